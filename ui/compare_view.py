"""How the compare table reads in the chat: every column wide enough to read, the text wrapping inside it.

The table is the answer's Markdown (so it exports and pastes as a table).  Left to the browser, a table in a
520 px chat bubble shares the width by content, and a column of short cells was squeezed to a few characters
beside a long one.  So each column gets a readable minimum width (the theme column a little less), text wraps
inside the cells, and when the columns do not fit (a phone, or four targets) the table scrolls sideways inside
its bubble instead of crushing a column.
"""

from __future__ import annotations

MIN_COLUMN_REM = 13  # a target's column: about 30 characters a line
MIN_THEME_REM = 8  # the theme column: its label wraps in 2 to 4 lines
PHONE_PX = 640

TABLE_CSS = f"""
#charter-chat table {{
  display: block; max-width: 100%; overflow-x: auto; border-collapse: collapse; table-layout: auto;
  -webkit-overflow-scrolling: touch;
}}
#charter-chat table th, #charter-chat table td {{
  min-width: {MIN_COLUMN_REM}rem; vertical-align: top; white-space: normal; overflow-wrap: break-word;
  word-break: normal; hyphens: auto; padding: .45rem .6rem; text-align: left; line-height: 1.4;
}}
#charter-chat table th:first-child, #charter-chat table td:first-child {{
  min-width: {MIN_THEME_REM}rem; max-width: 14rem; font-weight: 600;
}}
#charter-chat table td em {{ opacity: .7; }}
@media (max-width: {PHONE_PX}px) {{
  #charter-chat table th, #charter-chat table td {{ min-width: {MIN_COLUMN_REM - 2}rem; font-size: .92rem; }}
  #charter-chat table th:first-child, #charter-chat table td:first-child {{ min-width: {MIN_THEME_REM - 1}rem; }}
}}
"""
