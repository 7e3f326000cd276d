"""Charter's web UI (Gradio).

Importing this package switches Gradio's and Hugging Face's telemetry off
*before* gradio itself is imported anywhere below: the app must make no
request outside this machine, and Gradio reads these variables at import.
"""

from __future__ import annotations

import os

for _name, _value in {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
}.items():
    os.environ[_name] = _value
