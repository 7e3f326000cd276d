"""Place names as people write them in questions, mapped to how organisation
names spell them: "Japan", "Japanese" and "日本" all point at "Government of
Japan".  Questions name countries; statements are attributed to ministries and
agencies, and their text rarely repeats the country.
"""

from __future__ import annotations

import gettext
import json
import re
from functools import lru_cache
from importlib import resources

from core.text import has_cjk

# canonical English name -> other spellings (adjectives, Chinese, Japanese)
PLACES: dict[str, tuple[str, ...]] = {
    "Japan": ("Japanese", "日本"),
    "China": ("Chinese", "PRC", "中国", "中华人民共和国", "中方"),
    "United States": ("US", "U.S.", "USA", "America", "American", "White House", "美国"),
    "United Kingdom": ("UK", "U.K.", "Britain", "British", "England", "英国"),
    "European Union": ("EU", "European", "Europe", "欧盟", "欧洲"),
    "Canada": ("Canadian", "加拿大"),
    "Norway": ("Norwegian", "挪威"),
    "Germany": ("German", "德国"),
    "France": ("French", "法国"),
    "Italy": ("Italian", "意大利"),
    "Spain": ("Spanish", "西班牙"),
    "Netherlands": ("Dutch", "荷兰"),
    "Belgium": ("Belgian", "比利时"),
    "Switzerland": ("Swiss", "瑞士"),
    "Austria": ("Austrian", "奥地利"),
    "Sweden": ("Swedish", "瑞典"),
    "Denmark": ("Danish", "丹麦"),
    "Finland": ("Finnish", "芬兰"),
    "Ireland": ("Irish", "爱尔兰"),
    "Poland": ("Polish", "波兰"),
    "Portugal": ("Portuguese", "葡萄牙"),
    "Russia": ("Russian", "俄罗斯"),
    "Ukraine": ("Ukrainian", "乌克兰"),
    "Korea": ("Korean", "South Korea", "Republic of Korea", "韩国", "南韩"),
    "Singapore": ("Singaporean", "新加坡"),
    "India": ("Indian", "印度"),
    "Australia": ("Australian", "澳大利亚", "澳洲"),
    "New Zealand": ("新西兰",),
    "Brazil": ("Brazilian", "巴西"),
    "Mexico": ("Mexican", "墨西哥"),
    "Argentina": ("Argentinian", "阿根廷"),
    "Chile": ("Chilean", "智利"),
    "Colombia": ("Colombian", "哥伦比亚"),
    "Uruguay": ("乌拉圭",),
    "United Arab Emirates": ("UAE", "Emirati", "Dubai", "Abu Dhabi", "阿联酋", "迪拜"),
    "Saudi Arabia": ("Saudi", "沙特"),
    "Israel": ("Israeli", "以色列"),
    "Turkey": ("Turkish", "土耳其"),
    "Egypt": ("Egyptian", "埃及"),
    "Nigeria": ("Nigerian", "尼日利亚"),
    "Kenya": ("Kenyan", "肯尼亚"),
    "South Africa": ("South African", "南非"),
    "Malaysia": ("Malaysian", "马来西亚"),
    "Indonesia": ("Indonesian", "印度尼西亚", "印尼"),
    "Vietnam": ("Vietnamese", "越南"),
    "Thailand": ("Thai", "泰国"),
    "Philippines": ("Filipino", "菲律宾"),
    "Taiwan": ("Taiwanese", "台湾"),
    "Hong Kong": ("香港",),
    "Vatican": ("Holy See", "Pontifical", "梵蒂冈", "教廷"),
    "United Nations": ("UN", "U.N.", "联合国"),
    "Montreal": ("Montréal", "蒙特利尔"),
    "Beijing": ("北京",),
    "Shanghai": ("上海",),
    "Oxford": ("牛津",),
    "Venice": ("威尼斯",),
    "Toronto": ("多伦多",),
}


def place_mentions(text: str) -> set[str]:
    """Canonical place names that ``text`` mentions in any of their spellings (a Chinese one where one of jieba's
    words starts: 中国 in 中国的…, not in 发展中国家, "developing countries")."""
    import re

    found: set[str] = set()
    low = text.lower()
    bounds: set[int] | None = None
    for canonical, others in PLACES.items():
        for name in (canonical, *others):
            if has_cjk(name):
                if name in text:
                    bounds = _word_bounds(text) if bounds is None else bounds
                    if any(m.start() in bounds for m in re.finditer(re.escape(name), text)):
                        found.add(canonical)
                        break
            # the substring test first: most places are absent, and it spares their regex (~1.7 ms a question)
            elif (name in text if name.isupper() else name.lower() in low) and re.search(
                    rf"(?<![\w.]){re.escape(name)}(?![\w])", text, flags=0 if name.isupper() else re.IGNORECASE):
                found.add(canonical)
                break
    return found


def place_spellings(canonical: str) -> tuple[str, ...]:
    return (canonical, *PLACES.get(canonical, ()))


# spellings that say too little inside an organisation's name ("American Medical
# Association" is not the US government; "European" names dozens of bodies)
_WEAK_IN_NAMES = frozenset({"American", "America", "European", "Europe", "Chinese", "British", "English"})


def place_name_spellings(canonical: str) -> tuple[str, ...]:
    """Spellings of a place that identify it inside an organisation's name."""
    return tuple(s for s in place_spellings(canonical) if s not in _WEAK_IN_NAMES)



# Bodies as Chinese questions name them -> how English names spell them.  Stored names are mostly English, and a
# Chinese question names the OECD 经合组织, not "OECD": without this it names no stored body at all, so neither a
# year none of its statements carries (catalog.absent_years) nor a body the corpus never mentions
# (unmentioned.py) can be told.  Widely used names of international, governmental, standards and industry bodies
# in AI governance, stored or not; a name used for several bodies (欧洲委员会, 国防部) is left out.
BODIES: dict[str, tuple[str, ...]] = {
    "经合组织": ("OECD", "Organisation for Economic Co-operation and Development"),
    "经济合作与发展组织": ("OECD", "Organisation for Economic Co-operation and Development"),
    "联合国教科文组织": ("UNESCO",),
    "教科文组织": ("UNESCO",),
    "世界卫生组织": ("WHO", "World Health Organization"),
    "世卫组织": ("WHO", "World Health Organization"),
    "国际劳工组织": ("ILO", "International Labour Organization"),
    "国际货币基金组织": ("IMF", "International Monetary Fund"),
    "世界银行": ("World Bank",),
    "世界经济论坛": ("World Economic Forum", "WEF"),
    "国际电信联盟": ("ITU", "International Telecommunication Union"),
    "国际电联": ("ITU", "International Telecommunication Union"),
    "国际标准化组织": ("ISO", "International Organization for Standardization"),
    "北约": ("NATO",),
    "北大西洋公约组织": ("NATO",),
    "联合国大会": ("General Assembly",),
    "联合国秘书长": ("Secretary-General",),
    "欧盟委员会": ("European Commission",),
    "欧委会": ("European Commission",),
    "欧洲议会": ("European Parliament",),
    "欧洲理事会": ("European Council",),
    "欧洲数据保护委员会": ("European Data Protection Board", "EDPB"),
    "人工智能高级别专家组": ("High-Level Expert Group on AI", "AI HLEG"),
    "二十国集团": ("G20", "Group of Twenty"),
    "七国集团": ("G7", "Group of Seven"),
    "电气电子工程师学会": ("IEEE",),
    "电气与电子工程师协会": ("IEEE",),
    "美国计算机协会": ("ACM", "Association for Computing Machinery"),
    "国际计算机学会": ("ACM", "Association for Computing Machinery"),
    "美国国家标准与技术研究院": ("NIST", "National Institute of Standards and Technology"),
    "美国国家标准技术研究院": ("NIST", "National Institute of Standards and Technology"),
    "美国国防部": ("Department of Defense", "DoD"),
    "英国上议院": ("House of Lords",),
    "上议院": ("House of Lords",),
    "英国信息专员办公室": ("Information Commissioner's Office", "ICO"),
    "科技部": ("Ministry of Science and Technology", "MOST"),
    "科学技术部": ("Ministry of Science and Technology", "MOST"),
    "工业和信息化部": ("Ministry of Industry and Information Technology", "MIIT"),
    "工信部": ("Ministry of Industry and Information Technology", "MIIT"),
    "国家互联网信息办公室": ("Cyberspace Administration of China", "CAC"),
    "国家网信办": ("Cyberspace Administration of China", "CAC"),
    "网信办": ("Cyberspace Administration of China", "CAC"),
    "中国信息通信研究院": ("China Academy of Information and Communications Technology", "CAICT"),
    "信通院": ("China Academy of Information and Communications Technology", "CAICT"),
    "全国信息安全标准化技术委员会": ("TC260",),
    "全国网络安全标准化技术委员会": ("TC260",),
    "中国科学院": ("Chinese Academy of Sciences",),
    "中科院": ("Chinese Academy of Sciences",),
    "北京智源人工智能研究院": ("Beijing Academy of Artificial Intelligence", "BAAI"),
    "智源研究院": ("Beijing Academy of Artificial Intelligence", "BAAI"),
    "中国人工智能产业发展联盟": ("Artificial Intelligence Industry Alliance", "AIIA"),
    "清华大学": ("Tsinghua",),
    "北京大学": ("Peking University",),
    "麻省理工学院": ("MIT", "Massachusetts Institute of Technology"),
    "斯坦福大学": ("Stanford",),
    "牛津大学": ("University of Oxford",),
    "未来生命研究所": ("Future of Life Institute",),
    "人工智能合作伙伴关系": ("Partnership on AI",),
    "兰德公司": ("RAND",),
    "布鲁金斯学会": ("Brookings",),
    "国际特赦组织": ("Amnesty International",),
    "人权观察": ("Human Rights Watch",),
    "宗座生命科学院": ("Pontifical Academy for Life",),
    "新加坡个人数据保护委员会": ("Personal Data Protection Commission", "PDPC"),
    "新加坡金融管理局": ("Monetary Authority of Singapore",),
    "日本内阁府": ("Cabinet Office",),
    "国务院": ("State Council",),
    "全国人民代表大会": ("National People's Congress", "NPC"),
    "全国人大": ("National People's Congress", "NPC"),
    "最高人民法院": ("Supreme People's Court",),
    "最高人民检察院": ("Supreme People's Procuratorate",),
    "国家发展和改革委员会": ("National Development and Reform Commission", "NDRC"),
    "国家发改委": ("National Development and Reform Commission", "NDRC"),
    "公安部": ("Ministry of Public Security",),
    "国家市场监督管理总局": ("State Administration for Market Regulation", "SAMR"),
    "市场监管总局": ("State Administration for Market Regulation", "SAMR"),
    "中国人民银行": ("People's Bank of China", "PBOC"),
    "国家标准化管理委员会": ("Standardization Administration of China", "SAC"),
    "国家数据局": ("National Data Administration",),
    "联合国开发计划署": ("UNDP", "United Nations Development Programme"),
    "国际原子能机构": ("IAEA", "International Atomic Energy Agency"),
    "世界贸易组织": ("WTO", "World Trade Organization"),
    "世贸组织": ("WTO", "World Trade Organization"),
    "世界知识产权组织": ("WIPO", "World Intellectual Property Organization"),
    "非洲联盟": ("African Union",),
    "非盟": ("African Union",),
    "东南亚国家联盟": ("ASEAN",),
    "东盟": ("ASEAN",),
    "金砖国家": ("BRICS",),
    "上海合作组织": ("Shanghai Cooperation Organisation", "SCO"),
    "上合组织": ("Shanghai Cooperation Organisation", "SCO"),
    "亚太经合组织": ("APEC", "Asia-Pacific Economic Cooperation"),
    "联合国安理会": ("Security Council",),
    "联合国安全理事会": ("Security Council",),
    "联合国人权理事会": ("Human Rights Council",),
    "红十字国际委员会": ("International Committee of the Red Cross", "ICRC"),
    "联邦贸易委员会": ("Federal Trade Commission", "FTC"),
    "美国食品药品监督管理局": ("Food and Drug Administration", "FDA"),
    "人工智能安全研究所": ("AI Safety Institute",),
    "欧盟人工智能办公室": ("AI Office",),
    "谷歌": ("Google",),
    "微软": ("Microsoft",),
    "亚马逊": ("Amazon",),
    "英特尔": ("Intel",),
    "英伟达": ("NVIDIA",),
    "腾讯": ("Tencent",),
    "百度": ("Baidu",),
    "阿里巴巴": ("Alibaba",),
    "华为": ("Huawei",),
    "旷视": ("Megvii",),
    "商汤": ("SenseTime",),
}


def _longest(names: list[str]) -> list[str]:
    """The names not inside another of them (国家网信办, not also 网信办), in their order."""
    return [name for name in names if not any(name != other and name in other for other in names)]


def body_mentions(text: str) -> dict[str, tuple[str, ...]]:
    """The Chinese names of ``BODIES`` that ``text`` uses (the longest where one holds another: 国家网信办, not
    also 网信办), each with its English spellings."""
    found = [name for name in BODIES if name in text]
    return {name: BODIES[name] for name in _longest(found)}


@lru_cache(maxsize=1)
def _stored_bodies_in_chinese() -> dict[str, tuple[str, ...]]:
    """Chinese name -> the default corpus's organisations it names (``data/author_names_zh.json``: their usual
    Chinese names, written from the stored names alone, none shorter than three characters nor shared by several
    bodies; 2-character ones are in ``BODIES``)."""
    text = resources.files("assistant.retrieval").joinpath("data/author_names_zh.json").read_text(encoding="utf-8")
    table: dict[str, list[str]] = {}
    for author, names in json.loads(text).items():
        for name in names:
            table.setdefault(name, []).append(author)
    return {name: tuple(authors) for name, authors in table.items()}


def stored_body_mentions(text: str) -> set[str]:
    """The organisations of the default corpus that ``text`` names by a usual Chinese name (西班牙电信 is
    "Telefónica S.A"), exactly as stored; the longest name where one holds another (德国电信公司, not also 德国电信).
    ``BODIES`` gives spellings to look for among any store's names; these are the default corpus's own."""
    table = _stored_bodies_in_chinese()
    found = [name for name in table if name in text]
    return {author for name in _longest(found) for author in table[name]}


# Chinese names of countries that are also ordinary words: 中非 is as often "China-Africa" (中非合作) as the Central
# African Republic
_AMBIGUOUS_COUNTRY_NAMES = frozenset({"中非"})


@lru_cache(maxsize=1)
def countries_in_chinese() -> dict[str, tuple[str, ...]]:
    """Chinese name of every country -> its English spellings, the one to show last: pycountry's ISO 3166 names
    and their zh_CN translations (赞比亚 -> "Zambia"), with ``PLACES``' spellings of the places it lists (俄罗斯 ->
    "Russia" as well as "Russian Federation").  A Chinese question names countries in Chinese, which no stored
    English text spells: this is how a country it names is looked up at all."""
    import pycountry

    chinese = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"], fallback=True)
    table: dict[str, tuple[str, set[str]]] = {}  # name -> (the English name to show, every spelling)
    for country in pycountry.countries:
        english = [name for name in (getattr(country, attr, None) for attr in ("name", "common_name", "official_name"))
                   if name]
        shown = getattr(country, "common_name", None) or country.name.split(",")[0]  # "Korea, Republic of"
        spellings = set(english) | {name.split(",")[0] for name in english}
        for name in english:
            translated = chinese.gettext(name)
            if translated != name and has_cjk(translated):
                table.setdefault(translated, (shown, set()))[1].update(spellings)
    for canonical, others in PLACES.items():
        for spelling in others:
            if has_cjk(spelling):
                table[spelling] = (canonical, table.get(spelling, (canonical, set()))[1]
                                   | {canonical, *(s for s in others if s.isascii())})
    return {name: (*sorted(spellings - {shown}), shown) for name, (shown, spellings) in table.items()
            if name not in _AMBIGUOUS_COUNTRY_NAMES}


def _word_bounds(text: str) -> set[int]:
    """The offsets where jieba's words of ``text`` start or end."""
    from assistant.retrieval.lexical import chinese_words

    bounds, at = {0}, 0
    for word in chinese_words(text):
        at += len(word)
        bounds.add(at)
    return bounds


def country_mentions(text: str) -> dict[str, tuple[str, ...]]:
    """The Chinese names of countries that ``text`` uses as whole words (赞比亚 in "中国和赞比亚在联合国", not 马里 in
    马里兰州), each with its English spellings (``countries_in_chinese``)."""
    if not has_cjk(text):
        return {}
    table = countries_in_chinese()
    bounds: set[int] | None = None
    found: dict[str, tuple[str, ...]] = {}
    for name, spellings in table.items():
        if name not in text:
            continue
        bounds = _word_bounds(text) if bounds is None else bounds
        if any(m.start() in bounds and m.end() in bounds for m in re.finditer(re.escape(name), text)):
            found[name] = spellings
    return {name: found[name] for name in _longest(list(found))}


# a foreign person's name as Chinese writes it, its parts joined by an interpunct: 杰弗里·辛顿 (Geoffrey Hinton)
_TRANSLITERATED = re.compile(r"[\u4e00-\u9fff]{1,8}(?:[·•‧・][\u4e00-\u9fff]{1,8})+")


def transliterated_names(text: str) -> list[str]:
    """Foreign names a Chinese text writes with an interpunct (杰弗里·辛顿), each cut to jieba's words on either side
    of the dot ("图灵奖得主杰弗里·辛顿说" gives 杰弗里·辛顿)."""
    from assistant.retrieval.lexical import chinese_words

    found = []
    for m in _TRANSLITERATED.finditer(text):
        parts = re.split(r"[·•‧・]", m.group())
        for left, right in zip(parts, parts[1:]):
            first, last = chinese_words(left)[-1], chinese_words(right)[0]
            name = f"{first}·{last}"
            if len(first) > 1 and len(last) > 1 and name not in found:
                found.append(name)
    return found


# what follows a person's name when the question asks what the person said or wrote: 说, 认为, 在《…》里, 的《…》,
# 等人, the name's Latin spelling in brackets (杨立昆（Yann LeCun）), a work of theirs (的回忆录, 在…出版的书) or where
# they spoke (在安理会…上讲); a date may come first (李飞飞在2023年…)
_SPEAKER_CONTEXT = re.compile(
    r"\s*(?:[在于]?\d{2,4}年(?:\d{1,2}月)?(?:\d{1,2}日)?)?\s*"
    r"(?:说|认为|指出|表示|预测|写道|声称|称|曾|等人|在《|的《|在其|在他|在她|[（(]\s*[A-Za-z]"
    r"|的(?:新书|著作|回忆录|文章|演讲|讲话|证词|访谈|博客|专栏|公开信|书)"
    r"|在[^，。？！?!,]{0,20}?(?:出版|发表|撰写)的"
    r"|在[^，。？！?!,]{0,20}?[上中]都?(?:说|讲|谈|表示|指出|发言))")


# what follows a person's name when the question asks about a work or a speech of theirs, a date or a place first
# (辛顿在2024年诺贝尔奖颁奖晚宴上的致辞, 的回忆录)
_WORK_CONTEXT = re.compile(
    r"\s*(?:[在于]?\d{2,4}年(?:\d{1,2}月)?(?:\d{1,2}日)?)?\s*"
    r"(?:的|在[^，。？！?!,]{0,20}?[上中]的)(?:新书|著作|回忆录|文章|演讲|讲话|致辞|证词|访谈|博客|专栏|公开信)")


def chinese_person_names(text: str) -> list[str]:
    """Persons a Chinese question asks what they said or wrote, named in Chinese without an interpunct (李开复,
    吴恩达, 泰格马克): a run of jieba's words, each a person's name in its dictionary (``nr``) or a word its
    dictionary lacks (found by its HMM: mostly names), three characters or more in all, followed by a word of
    speaking or writing or by a title (``_SPEAKER_CONTEXT``).  The tag alone is too loose (宣言, 威尼斯 are ``nr``);
    two-character names are left out, as often a place or a word as a name."""
    from assistant.retrieval.lexical import chinese_person_words, chinese_words, in_chinese_dictionary

    if not re.search(r"[\u4e00-\u9fff]" + _SPEAKER_CONTEXT.pattern, text):
        return []
    persons = chinese_person_words()
    found: list[str] = []
    position = 0
    run = ""
    unknown = False  # the run is one word that jieba's dictionary lacks (辛顿): a name even of two characters
    words = chinese_words(text)
    for i, word in enumerate(words + [""]):
        han = bool(re.fullmatch(r"[\u4e00-\u9fff]+", word))
        # a name's first character that jieba cut off on its own, at the question's start (古|特雷斯)
        head = (i == 0 and len(word) == 1 and han and i + 1 < len(words) and words[i + 1] in persons
                and len(words[i + 1]) > 1)
        if han and (head or word in persons or (len(word) > 1 and not in_chinese_dictionary(word))):
            unknown = not run and word not in persons and not in_chinese_dictionary(word)
            run += word
        else:
            named = len(run) >= 3 and bool(_SPEAKER_CONTEXT.match(text, position))
            # two characters only before a work or a speech of theirs (辛顿在…上的致辞): 说 alone follows places too
            after_dot = position > 2 and text[position - 3] in "·•‧・"  # 杰弗里·|辛顿: the whole name is found
            named = named or (len(run) == 2 and unknown and not after_dot
                              and bool(_WORK_CONTEXT.match(text, position)))
            if named and run not in found:
                found.append(run)
            run = ""
        position += len(word)
    return found
