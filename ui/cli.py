"""The ``charter`` command: ingest, inspect, search, ask, evaluate and serve.

Every sub-command builds one Settings (environment + optional charter.toml) and
hands it down; options given on the command line override it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.service import Charter


def _charter(ctx: click.Context) -> Charter:
    """The command's one Charter service (so one store client and one set of models per run)."""
    from assistant.service import Charter

    if "charter" not in ctx.obj:
        try:
            ctx.obj["charter"] = Charter(ctx.obj["settings"])
        except ValueError as err:  # an unregistered model or backend name: the user's to fix
            _fail(f"invalid settings: {err}")
    return ctx.obj["charter"]


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"charter: {message}", err=True)
    sys.exit(code)


class _Group(click.Group):
    """Turns a store that cannot be used as asked (another model, ...) into a message, not a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except Exception as err:
            if not _is_store_error(err):
                raise
            _fail(str(err))


def _is_store_error(err: Exception) -> bool:
    """Whether ``err`` is the service's StoreError.  Only a command that opened the
    store can raise one, so the store module is not imported just to ask (that
    would load chromadb and slow down ``charter config``)."""
    if "assistant.index.store" not in sys.modules:
        return False
    from assistant.service import StoreError

    return isinstance(err, StoreError)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--store", type=click.Path(path_type=Path), help="Store folder (CHARTER_STORE).")
@click.option("--chroma-url", help="Chroma server URL (CHARTER_CHROMA_URL).")
@click.version_option(package_name="charter")
@click.pass_context
def main(ctx: click.Context, store: Path | None, chroma_url: str | None) -> None:
    """Charter: answers about AI-governance texts, as verbatim quotes with citations."""
    overrides: dict[str, Any] = {k: v for k, v in {"store": store, "chroma_url": chroma_url}.items() if v}
    try:
        ctx.obj = {"settings": Settings(**overrides)}
    except Exception as err:  # noqa: BLE001 - a bad setting is the user's to fix, not a traceback
        _fail(f"invalid settings: {err}")


@main.command()
@click.pass_context
def config(ctx: click.Context) -> None:
    """Print the effective settings (secrets masked)."""
    for key, value in ctx.obj["settings"].masked().items():
        click.echo(f"{key} = {json.dumps(value, ensure_ascii=False)}")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--prune", is_flag=True, help="Remove stored statements their files no longer hold.")
@click.option("--dry-run", is_flag=True, help="Parse only; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: one JSON record per line.")
@click.option("--rebuild", is_flag=True, help="Drop the collection first (e.g. after changing the model).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask before a large ingest (ingest_confirm_passages/_mb).")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[Path, ...], prune: bool, dry_run: bool, as_json: bool, rebuild: bool,
           quiet: bool, yes: bool) -> None:
    """Parse statement files (default: the corpus/ folder) into the store.

    Each file is stored all or nothing; Ctrl-C keeps the files done, rolls back
    the one in progress (exit code 130), and a re-run goes on with the rest."""
    from assistant.service import IngestInterrupted, IngestLocked

    settings: Settings = ctx.obj["settings"]
    targets = list(paths) or [settings.store.corpus]
    if dry_run:
        _dry_run(_charter(ctx), targets, as_json)
        return
    charter = _charter(ctx)
    if rebuild:  # before the store is opened: it may hold another model's vectors
        try:  # under the ingest lock: never drops a collection another ingest is writing
            charter.drop_collections(on_wait=lambda message: click.echo(message, err=True))
        except IngestLocked as err:
            _fail(f"{err}; nothing was dropped: try --rebuild again when it has finished", code=3)
    refused: list[str] = []

    def confirm(plan: Any) -> bool:
        click.echo(plan.describe())
        large = plan.large_files(settings.store.ingest_confirm_passages, settings.store.ingest_confirm_mb * 1e6)
        if not large or yes:
            return True
        click.echo(f"past the limits (ingest_confirm_passages = {settings.store.ingest_confirm_passages}, "
                   f"ingest_confirm_mb = {settings.store.ingest_confirm_mb:g}):")
        for line in large:
            click.echo(f"  {line}")
        if not sys.stdin.isatty():
            refused.append("no terminal to ask whether to go ahead: run again with --yes to ingest these files")
            return False
        if click.confirm("Embed them now?", default=False):
            return True
        refused.append("not confirmed: nothing was ingested")
        return False

    def on_file(index: int, total: int, file: Any) -> None:
        click.echo(f"[{index}/{total}] {file.path}: {file.statements} statements, {len(file.records)} passages to "
                   "embed", err=True)

    try:
        report = charter.ingest(targets, prune=prune, progress=not quiet, confirm=confirm, on_file=on_file,
                                on_wait=lambda message: click.echo(message, err=True))
    except IngestLocked as err:
        _fail(f"{err}; try again when it has finished (or set ingest_lock_wait to wait longer)", code=3)
    except IngestInterrupted as stop:
        click.echo(stop.summary(), err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted before anything was written: the store is as it was", err=True)
        sys.exit(130)
    for line in report.warnings:
        click.echo(line, err=True)
    for line in report.errors:
        click.echo(line, err=True)
    if report.cancelled:
        _fail(refused[0] if refused else "nothing was ingested", code=2)
    click.echo(report.summary())
    sys.exit(0 if report.ok else 1)


def _dry_run(charter: Charter, targets: list[Path], as_json: bool) -> None:
    statements, report = charter.parse(targets)
    for st in statements:
        record = st.to_dict()
        record["extra"] = {k: v for k, v in record["extra"].items() if not k.startswith("_")}
        del record["key"]  # internal: how the store follows a statement across rewordings
        if as_json:
            click.echo(json.dumps(record, ensure_ascii=False))
        else:
            click.echo(f"{st.source}:{st.line}  {st.author} | {st.document} | {st.date} | {st.section}")
    for line in report.warnings + report.errors:
        click.echo(line, err=True)
    if not as_json:
        click.echo(f"files read: {report.files_read}   statements found: {report.statements}")
    sys.exit(0 if report.ok else 1)


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def stats(ctx: click.Context, as_json: bool) -> None:
    """What the store holds: counts by author, document, year and language."""
    charter = _charter(ctx)
    data = charter.stats()
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
        return
    click.echo(f"store: {charter.location}")
    click.echo(f"statements: {data['statements']}   passages: {data['passages']}   model: {data['embedding_model']}")
    facets = (("by author", "authors"), ("by document", "documents"), ("by year", "years"),
              ("by language", "languages"))
    for title, key in facets:
        click.echo(f"\n{title}:")
        for name, count in list(data[key].items())[:25]:
            click.echo(f"  {count:5d}  {name}")
        if len(data[key]) > 25:
            click.echo(f"  ... and {len(data[key]) - 25} more")


def _filters(author, document, since, until, lang):
    from core.model import Filters

    return Filters(authors=list(author), documents=list(document), since=since, until=until, lang=lang)


def filter_options(func):
    for option in reversed([
        click.option("--author", multiple=True, help="Organisation (a part of its name is enough)."),
        click.option("--document", multiple=True, help="Document title (a part of it is enough)."),
        click.option("--since", type=int, help="From this year on."),
        click.option("--until", type=int, help="Up to this year."),
        click.option("--lang", help="Language of the statement text (en, zh, ...)."),
    ]):
        func = option(func)
    return func


@main.command()
@click.argument("query")
@click.option("-k", "k", type=int, default=None, help="How many passages.")
@filter_options
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def search(ctx, query, k, author, document, since, until, lang, as_json) -> None:
    """Ranked passages for QUERY with their metadata and scores."""
    charter = _charter(ctx)
    result = charter.search(query, k=k,
                            filters=_filters(author, document, since, until, lang))
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
        return
    if result.abstain:
        click.echo("(nothing in the store is close enough to this question; nearest passages below)\n")
    for i, p in enumerate(result.passages, 1):
        click.echo(f"[{i}] score {p.score:.3f}  {p.citation()}")
        click.echo("    " + p.text[:400].replace("\n", " ") + ("…" if len(p.text) > 400 else ""))
        for other in p.also_in:
            kind = "also in" if other.same_text else "near-identical version in"
            click.echo(f"    {kind}: {other.author}, {other.document} ({other.date or 'n.d.'})")
        click.echo("")


def _read_history(path: Path) -> list[dict[str, str]]:
    """The conversation of ``--history``: a JSON list of ``{"role", "content"}`` messages; a bad file is
    refused with its name (and line) rather than silently asked without context."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        _fail(f"{path}:{err.lineno}: not valid JSON ({err.msg})")
    except (OSError, UnicodeDecodeError) as err:
        _fail(f"{path}: cannot read the history file ({err})")
    if not isinstance(data, list):
        _fail(f"{path}: the history must be a JSON list of {{\"role\", \"content\"}} messages")
    for n, message in enumerate(data, 1):
        if not (isinstance(message, dict) and message.get("role") in ("user", "assistant")
                and isinstance(message.get("content"), str)):
            _fail(f"{path}: message {n} needs \"role\" (user or assistant) and a text \"content\"")
    return [{"role": m["role"], "content": m["content"]} for m in data]


@main.command()
@click.argument("question")
@click.option("--mode", type=click.Choice(["ask", "summary", "compare"]), default="ask")
@click.option("--target", "targets", multiple=True, help="compare: an organisation or document (twice or more).")
@click.option("-k", "k", type=int, default=None)
@filter_options
@click.option("--history", "history_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="JSON file of the conversation so far: [{\"role\": \"user\"|\"assistant\", "
                                 "\"content\": ...}, ...] (what the API's `history` takes), to ask a follow-up.")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def ask(ctx, question, mode, targets, k, author, document, since, until, lang, history_file, as_json) -> None:
    """Answer QUESTION with verbatim quotes and numbered sources."""
    history = _read_history(history_file) if history_file else None
    charter = _charter(ctx)
    filters = _filters(author, document, since, until, lang)
    final = None
    shown = ""  # streamed text already printed
    for update in charter.stream(question, history, mode=mode, filters=filters, k=k, targets=list(targets)):
        final = update
        # print what an LLM adds; a partial text the verifier rewrote waits for the final answer
        if not as_json and not update.done and update.text.startswith(shown):
            click.echo(update.text[len(shown):], nl=False)
            shown = update.text
    if final is None:
        _fail("no answer")
    if as_json:
        click.echo(json.dumps(final.to_dict(), ensure_ascii=False, indent=1))
        return
    from assistant.render import answer_markdown

    if shown and final.text.startswith(shown):
        click.echo(final.text[len(shown):] + "\n")
        click.echo(answer_markdown(final, include_text=False))
    else:
        if shown:
            click.echo("\n\n--- checked answer ---\n")
        click.echo(answer_markdown(final))


@main.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, path_type=Path))
@click.option("-k", "k", type=int, default=5)
@click.option("--retriever", "retrievers", multiple=True, type=click.Choice(["dense", "bm25", "hybrid"]),
              help="Run these retrievers side by side (default: hybrid).")
@click.option("--answers/--no-answers", default=True, help="Also answer each question and check its citations.")
@click.option("--mode", type=click.Choice(["ask", "summary", "compare"]), default="ask",
              help="summary: the drafts' figures (organisations covered, repeated and cut quotes); compare: a "
                   "compare question file's figures (cells on their row's theme).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def evaluate(ctx, questions, k, retrievers, answers, mode, as_json) -> None:
    """Retrieval quality on a gold question file (recall@k, MRR@10, nDCG@10, abstention)."""
    from assistant.service import format_report

    charter = _charter(ctx)
    try:
        result = charter.evaluate(questions, k=k, retrievers=list(retrievers) or ["hybrid"], with_answers=answers,
                                  mode=mode)
    except ValueError as err:
        _fail(str(err))
    click.echo(json.dumps(result, ensure_ascii=False, indent=1) if as_json else format_report(result))


@main.command(name="map")
@click.argument("topic", required=False)
@click.option("--framework", help="A JSON file [{\"name\", \"description\"}, ...], or fjeld2020 / waie17.")
@click.option("--by", type=click.Choice(["author", "document"]), default="author", help="Rows: organisations or "
              "documents.")
@click.option("-k", "k", type=int, default=40, help="With TOPIC: how many passages it maps.")
@click.option("--json", "as_json", is_flag=True, help="The map as JSON.")
@click.option("--markdown", is_flag=True, help="The map as a Markdown brief.")
@click.option("--png", type=click.Path(dir_okay=False, path_type=Path), help="Also draw the heatmap here.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Also write its cells.")
@click.pass_context
def consensus_map(ctx, topic, framework, by, k, as_json, markdown, png, csv_path) -> None:
    """Who speaks to what: organisations x themes for TOPIC, or for the whole store."""
    try:
        result = _charter(ctx).map(topic, framework, by=by, k=k)
    except ValueError as err:  # a framework file that is not a list of named themes
        _fail(str(err))
    from assistant.service import map_csv, map_markdown, map_to_dict, save_png

    if png:
        save_png(result, str(png))
    if csv_path:
        csv_path.write_text(map_csv(result), encoding="utf-8")
    if as_json:
        click.echo(json.dumps(map_to_dict(result), ensure_ascii=False, indent=1))
    elif markdown:
        click.echo(map_markdown(result))
    else:
        if not result.themes:
            click.echo("(nothing to map: the store holds nothing close enough to this topic)")
        matrix = result.matrix()
        for j, theme in enumerate(result.themes):
            speakers = int((matrix[:, j] > 0).sum())
            who = "organisations" if by == "author" else "documents"
            click.echo(f"{j + 1}. {theme.label}: {speakers} of {len(result.rows)} {who}, {theme.statements} "
                       f"statements" + (f", since {theme.first_year}" if theme.first_year else ""))
            for cell in sorted((c for c in result.cells if c.theme == j), key=lambda c: -c.similarity)[:2]:
                click.echo(f"   “{' '.join(cell.quote.split())}” ({cell.citation()})")
        click.echo(f"{result.statements} statements, {result.unassigned} on no theme.")
    for path in (png, csv_path):
        if path:
            click.echo(f"wrote {path}", err=True)


@main.command()
@click.option("--host", default=None, help="Default 127.0.0.1 (CHARTER_HOST).")
@click.option("--port", type=int, default=None, help="Default 7860 (CHARTER_PORT).")
@click.option("--share", is_flag=True, help="Ask Gradio for a public share link (off by default).")
@click.option("--no-ingest", is_flag=True, help="Do not ingest the default corpus when the store is empty.")
@click.pass_context
def serve(ctx, host, port, share, no_ingest) -> None:
    """Open the chat UI (ingests the default corpus on first start)."""
    from ui.app import launch
    from ui.auth import exposure_warning

    settings: Settings = ctx.obj["settings"]
    warning = exposure_warning(host or settings.ui.host, bool(settings.ui.auth), share)
    if warning:
        click.echo(f"charter: {warning}", err=True)
    launch(_charter(ctx), host=host or settings.ui.host, port=port or settings.ui.port, share=share,
           ingest_if_empty=not no_ingest)


if __name__ == "__main__":  # pragma: no cover
    main()
