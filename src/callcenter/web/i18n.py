"""User-facing labels in 简体中文 and English. Code and docs stay in English."""

from __future__ import annotations

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

LABELS: dict[str, dict[str, str]] = {
    "app_title": {"zh": "呼叫中心数字化管理", "en": "Call-centre management"},
    "overview": {"zh": "总览", "en": "Overview"},
    "intervals": {"zh": "时段分析", "en": "Intervals"},
    "queues": {"zh": "队列与业务", "en": "Queues & call types"},
    "agents": {"zh": "坐席与班组", "en": "Agents & teams"},
    "workforce": {"zh": "人力排班", "en": "Workforce"},
    "qc": {"zh": "质量改进", "en": "QC analysis"},
    "data": {"zh": "数据管理", "en": "Data"},
    "filters": {"zh": "筛选", "en": "Filters"},
    "from": {"zh": "开始日期", "en": "From"},
    "to": {"zh": "结束日期", "en": "To"},
    "grain": {"zh": "粒度", "en": "Grain"},
    "queue": {"zh": "队列", "en": "Queue"},
    "team": {"zh": "班组", "en": "Team"},
    "agent": {"zh": "坐席", "en": "Agent"},
    "apply": {"zh": "应用", "en": "Apply"},
    "export": {"zh": "导出", "en": "Export"},
    "definitions": {"zh": "口径说明", "en": "Definitions used"},
    "tables": {"zh": "数据表", "en": "Tables"},
    "rows": {"zh": "行数", "en": "Rows"},
    "table": {"zh": "表", "en": "Table"},
    "loads": {"zh": "导入记录", "en": "Loads"},
    "quarantine": {"zh": "隔离区（被拒记录）", "en": "Quarantine (rejected rows)"},
    "quarantine_empty": {"zh": "隔离区为空", "en": "The quarantine is empty"},
    "upload": {"zh": "上传导出文件", "en": "Upload an export"},
    "upload_help": {
        "zh": "与命令行使用相同的读取器；格式自动识别，CSV/Excel 需要列映射文件。",
        "en": "Uses the same readers as the CLI; the format is detected, CSV/Excel need a mapping.",
    },
    "file": {"zh": "文件", "en": "File"},
    "mapping": {"zh": "列映射（可选）", "en": "Mapping (optional)"},
    "format": {"zh": "格式", "en": "Format"},
    "load": {"zh": "导入", "en": "Load"},
    "read": {"zh": "读取", "en": "Read"},
    "inserted": {"zh": "新增", "en": "Inserted"},
    "updated": {"zh": "更新", "en": "Updated"},
    "unchanged": {"zh": "未变", "en": "Unchanged"},
    "quarantined": {"zh": "隔离", "en": "Quarantined"},
    "line": {"zh": "行号", "en": "Line"},
    "field": {"zh": "字段", "en": "Field"},
    "reason": {"zh": "原因", "en": "Reason"},
    "load_failed": {"zh": "导入失败，仓库未改动", "en": "Load failed; the warehouse is unchanged"},
    "load_done": {"zh": "导入完成", "en": "Load complete"},
    "no_data": {
        "zh": "仓库中还没有数据：请先导入数据。",
        "en": "The warehouse holds no data yet: load some first.",
    },
    "period": {"zh": "期间", "en": "Period"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "value": {"zh": "数值", "en": "Value"},
    "target": {"zh": "目标", "en": "Target"},
    "status": {"zh": "状态", "en": "Status"},
    "trend": {"zh": "趋势", "en": "Trend"},
    "diagnostics": {"zh": "诊断建议", "en": "Diagnostics"},
    "language": {"zh": "English", "en": "中文"},
}


def labels(lang: str) -> dict[str, str]:
    """All labels in one language (missing translations fall back to English)."""
    lang = lang if lang in LANGS else DEFAULT_LANG
    return {k: v.get(lang) or v["en"] for k, v in LABELS.items()}
