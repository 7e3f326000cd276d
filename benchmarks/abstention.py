"""How often Charter says "not covered" when it should, and when it should not.

    python benchmarks/abstention.py [--store DIR]

Over the default corpus plus the WAIE statements (texts up to 2022 and the
seed statements), it asks:

- questions about real texts and events the store does not hold (2023-2026
  laws, summits, codes), in English and in Chinese;
- off-topic questions;
- one question per stored organisation and document, by its name, which must
  *not* be reported as an absent text.

It prints the share abstained per group, so a change to the coverage check
or the relevance floors is a measured choice.
"""

from __future__ import annotations

from common import bench_charter, store_arguments

ABSENT_EN = [
    "What does the Bletchley Declaration say about frontier AI risks?",
    "What does California's SB 1047 require from developers of frontier models?",
    "What did the Hiroshima AI Process code of conduct ask of advanced AI developers?",
    "What does China's 2023 Interim Measures for generative AI services require for training data?",
    "What commitments did the UN Global Digital Compact make on AI governance in 2024?",
    "What does the NIST AI Risk Management Framework 1.0 say about measuring trustworthiness?",
    "What fines can the Colorado AI Act impose on deployers of high-risk systems?",
    "Which companies signed the Frontier AI Safety Commitments in Seoul?",
]
ABSENT_ZH = [
    "欧盟《人工智能法》对投放禁止类AI系统的公司可以处以多少罚款？",
    "韩国将于2026年1月生效的《人工智能基本法》对高影响AI的提供者规定了哪些义务？",
    "《布莱切利宣言》对前沿人工智能的风险说了什么？",
    "中国《生成式人工智能服务管理暂行办法》对训练数据有什么要求？",
    "美国总统拜登的人工智能行政命令要求了什么？",
]
OFF_TOPIC = [
    "What is the best recipe for sourdough bread?",
    "Who won the football world cup in 2018?",
    "明天北京的天气怎么样？",
    "怎样烤制酸面包？",
]


def share_abstained(charter, questions: list[str]) -> tuple[int, int, list[str]]:
    answered = [q for q in questions if not charter.retriever.search(q).abstain]
    return len(questions) - len(answered), len(questions), answered


def main() -> None:
    parser = store_arguments(__doc__)
    args = parser.parse_args()
    from assistant.retrieval.coverage import missing_titles

    charter = bench_charter(args)
    print(f"{'group':<34} {'abstained':>9}")
    for name, questions in (("absent texts (English)", ABSENT_EN), ("absent texts (Chinese)", ABSENT_ZH),
                            ("off-topic", OFF_TOPIC)):
        hit, total, answered = share_abstained(charter, questions)
        print(f"{name:<34} {hit:>4}/{total:<4}")
        for q in answered:
            print(f"    answered: {q}")
    index = charter.retriever.index
    names = list(index.catalog.documents) + list(index.catalog.authors)
    flagged = [n for n in names if missing_titles(f"What does the {n} say about accountability?",
                                                  index.corpus_text, index.statement_names)]
    print(f"{'stored names taken for absent texts':<34} {len(flagged):>4}/{len(names):<4}")
    for n in flagged:
        print(f"    flagged: {n}")


if __name__ == "__main__":
    main()
