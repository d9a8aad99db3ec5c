import json
import logging

from core.logging import JsonFormatter


def test_json_log_lines():
    record = logging.LogRecord(
        "rights", logging.WARNING, __file__, 1, "导入 %s 行", (3,), None
    )
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "WARNING" and entry["message"] == "导入 3 行"
    assert entry["logger"] == "rights" and entry["time"].endswith("+00:00")
