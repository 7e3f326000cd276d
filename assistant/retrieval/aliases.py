"""Place names as people write them in questions, mapped to how organisation
names spell them: "Japan", "Japanese" and "日本" all point at "Government of
Japan".  Questions name countries; statements are attributed to ministries and
agencies, and their text rarely repeats the country.
"""

from __future__ import annotations

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
    """Canonical place names that ``text`` mentions in any of their spellings."""
    import re

    found: set[str] = set()
    low = text.lower()
    for canonical, others in PLACES.items():
        for name in (canonical, *others):
            if has_cjk(name):
                if name in text:
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

