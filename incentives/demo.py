"""Demo complaints for the demo bank of org/demo.py: about twenty cases over the
previous and the current month (upheld with staff at fault, not upheld,
resolved on time, resolved late, open and overdue, one extended, one with an
approved longer deadline).

They go through the import pipeline like a complaint-system export (so their
summaries are masked on the way in), then the services add what HR records in
the admin: topic, law article, escalation, extension and approval. Idempotent:
run again the same month, it changes nothing; the dates follow today.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone

from core import demo
from core.imports.pipeline import run_import
from incentives import services
from incentives.models import Complaint

User = get_user_model()

HEADER = [
    "投诉编号",
    "受理时间",
    "渠道",
    "类别",
    "部门编码",
    "责任人工号",
    "处理人工号",
    "状态",
    "办结时间",
    "处理结果",
    "员工责任",
    "客户满意",
    "摘要",
]
HANDLER = "100038"  # 投诉处理岗, 消费者权益保护部
SUPERVISOR = "100037"  # 消保专员


@dataclass(frozen=True)
class Case:
    number: int
    # (month, day, hour): month "prev" counts days from the first of the previous
    # month; "now" counts days back from today.
    received: tuple[str, int, int]
    channel: str
    category: str
    department: str
    responsible: str
    summary: str
    resolved_after_days: int | None = None  # None: still open
    outcome: str = ""
    staff_at_fault: bool = False
    satisfied: bool | None = None
    topic: str = ""
    law_article: str = ""
    escalated: bool = False
    extend: str = ""  # the reason, if extended
    approve_days: int = 0  # approved deadline, days after receipt
    handler: str = HANDLER


CASES = [
    Case(
        1,
        ("prev", 1, 9),
        "电话",
        "收费",
        "BJ01-SB1-01",
        "demo-learner",
        "客户来电反映，在东湖路网点柜台办理跨行转账时，柜员未告知手续费标准即扣收"
        "手续费，借记卡6222 0212 3456 1234被扣费25元，要求退还。联系电话13812345678。",
        resolved_after_days=5,
        outcome="成立",
        staff_at_fault=True,
        satisfied=True,
        topic=Complaint.Topic.CONSUMER_PROTECTION_LAW,
        law_article="消费者权益保护法第二十六条",
    ),
    Case(
        2,
        ("prev", 2, 10),
        "来访",
        "理财产品",
        "BJ01-SB1-01",
        "100006",
        "客户到网点反映，理财经理推介理财产品时称“保本保收益”，到期收益低于预期，"
        "认为存在误导销售。客户身份证号330102198805201234。",
        resolved_after_days=9,
        outcome="成立",
        staff_at_fault=True,
        satisfied=False,
        topic=Complaint.Topic.FINANCIAL_KNOWLEDGE,
        law_article="消费者权益保护法第二十条",
        escalated=True,
    ),
    Case(
        3,
        ("prev", 3, 14),
        "网络",
        "信用卡",
        "BJ01-SB1-02",
        "",
        "客户通过手机银行留言，称信用卡6225881234567890分期手续费计算有误，"
        "经核查系按合同约定计收，已向客户解释。",
        resolved_after_days=4,
        outcome="不成立",
        satisfied=True,
        topic=Complaint.Topic.FINANCIAL_KNOWLEDGE,
    ),
    Case(
        4,
        ("prev", 4, 11),
        "监管转办",
        "征信异议",
        "BJ01-SB2-01",
        "100017",
        "监管部门转办：客户称其个人贷款已按期还清，但征信报告显示逾期记录，"
        "要求更正。客户手机+86 139 0571 2233。",
        resolved_after_days=12,
        outcome="部分成立",
        staff_at_fault=True,
        satisfied=True,
        topic=Complaint.Topic.CREDIT_REPORTING,
        law_article="征信业管理条例第二十五条",
        escalated=True,
    ),
    Case(
        5,
        ("prev", 5, 16),
        "电话",
        "服务态度",
        "BJ01-SB2-02",
        "100023",
        "客户来电投诉文三路网点柜员办理业务时态度生硬、不耐烦，"
        "客户联系电话0571-88886666。",
        resolved_after_days=3,
        outcome="成立",
        staff_at_fault=True,
        satisfied=True,
        topic=Complaint.Topic.CONSUMER_PROTECTION_LAW,
        law_article="消费者权益保护法第十四条",
    ),
    Case(
        6,
        ("prev", 6, 9),
        "信函",
        "个人贷款",
        "BJ01-SB3-01",
        "",
        "客户来信称房贷提前还款违约金过高，经核查符合借款合同约定，"
        "已书面答复。贷款账号310066123456789012。",
        resolved_after_days=10,
        outcome="不成立",
        satisfied=False,
        topic=Complaint.Topic.OTHER,
    ),
    Case(
        7,
        ("prev", 1, 15),
        "网络",
        "电子银行",
        "BJ01-SB3-01",
        "100031",
        "客户反映手机银行转账限额被调低未收到通知，影响资金周转。"
        "经查网点未按规定告知客户。",
        resolved_after_days=19,  # late: past the 15-day deadline
        outcome="成立",
        staff_at_fault=True,
        satisfied=False,
        topic=Complaint.Topic.COMPLAINT_HANDLING,
    ),
    Case(
        8,
        ("prev", 8, 10),
        "来访",
        "存款",
        "BJ01-SB1-02",
        "",
        "客户到网点要求查询已故亲属存款，网点要求补充继承关系证明，客户不满。"
        "经解释后客户表示理解。",
        resolved_after_days=2,
        outcome="不成立",
        satisfied=True,
        topic=Complaint.Topic.COMPLAINT_HANDLING,
    ),
    Case(
        9,
        ("prev", 10, 13),
        "电话",
        "银行卡",
        "BJ01-SB2-01",
        "100016",
        "客户来电称借记卡6217 0012 3456 7890 123被他人盗刷，网点挂失处理不及时。"
        "联系电话13712345678。",
        resolved_after_days=14,
        outcome="部分成立",
        staff_at_fault=True,
        satisfied=True,
        topic=Complaint.Topic.FINANCIAL_KNOWLEDGE,
    ),
    Case(
        10,
        ("prev", 12, 11),
        "网络",
        "个人信息",
        "BJ01-SB2-02",
        "100024",
        "客户反映客户经理在微信群中转发其开户资料截图，泄露身份证号"
        "11010119900307123X及手机号15012345678。",
        resolved_after_days=6,
        outcome="成立",
        staff_at_fault=True,
        satisfied=True,
        topic=Complaint.Topic.CONSUMER_PROTECTION_LAW,
        law_article="消费者权益保护法第二十九条",
        escalated=True,
    ),
    Case(
        11,
        ("prev", 15, 10),
        "信函",
        "保险代销",
        "BJ01-SB1-01",
        "100004",
        "客户来信称在网点购买的代销保险产品未被告知犹豫期，要求全额退保。",
        resolved_after_days=8,
        outcome="部分成立",
        satisfied=True,
        topic=Complaint.Topic.FINANCIAL_KNOWLEDGE,
        law_article="消费者权益保护法第二十八条",
    ),
    Case(
        12,
        ("prev", 20, 10),
        "监管转办",
        "征信异议",
        "BJ01-SB3-01",
        "",
        "监管部门转办：客户对信用卡逾期记录提出异议，需调取多年还款流水并与"
        "发卡中心核实。账号 6259 6512 3456 7788。",
        topic=Complaint.Topic.CREDIT_REPORTING,
        law_article="征信业管理条例第二十五条",
        escalated=True,
        extend="需向总行信用卡中心调取近五年还款记录，情况复杂。",
        approve_days=55,
    ),
    Case(
        13,
        ("prev", 22, 15),
        "电话",
        "收费",
        "BJ01-SB2-01",
        "",
        "客户来电询问账户管理费收取依据，经解释为小额账户管理费，已按规定公示。",
        resolved_after_days=1,
        outcome="不成立",
        satisfied=True,
        topic=Complaint.Topic.FINANCIAL_KNOWLEDGE,
    ),
    Case(
        14,
        ("now", 22, 9),
        "来访",
        "服务态度",
        "BJ01-SB1-02",
        "100010",
        "客户反映大堂经理在排队高峰期未及时引导，等候超过一小时。"
        "客户联系电话186-2345-6789。",
        topic=Complaint.Topic.COMPLAINT_HANDLING,
    ),
    Case(
        15,
        ("now", 18, 14),
        "网络",
        "理财产品",
        "BJ01-SB2-02",
        "100027",
        "客户称理财经理未进行风险测评即为其购买高风险产品，要求赔偿损失。",
        topic=Complaint.Topic.FINANCIAL_KNOWLEDGE,
        law_article="消费者权益保护法第二十条",
    ),
    Case(
        16,
        ("now", 12, 10),
        "信函",
        "个人贷款",
        "BJ01-SB1-01",
        "",
        "客户来信反映经营贷款续贷审批时间过长，涉及抵押物重新评估，"
        "需外部评估机构出具报告。",
        topic=Complaint.Topic.OTHER,
        extend="需外部评估机构重新评估抵押物，情况复杂。",
    ),
    Case(
        17,
        ("now", 9, 11),
        "电话",
        "银行卡",
        "BJ01-SB3-01",
        "100032",
        "客户来电称ATM取款未出钞但账户已扣款，卡号6222 0288 7766 5544。",
        resolved_after_days=2,
        outcome="成立",
        satisfied=True,
        topic=Complaint.Topic.OTHER,
    ),
    Case(
        18,
        ("now", 6, 16),
        "电话",
        "服务态度",
        "BJ01-SB1-01",
        "demo-learner",
        "客户来电反映柜员办理业务时频繁离柜，客户等候时间过长。",
        resolved_after_days=3,
        outcome="不成立",
        satisfied=True,
        topic=Complaint.Topic.COMPLAINT_HANDLING,
    ),
    Case(
        19,
        ("now", 4, 10),
        "网络",
        "电子银行",
        "BJ01-SB2-01",
        "",
        "客户反映手机银行登录短信验证码收不到，手机号13598765432。",
    ),
    Case(
        20,
        ("now", 1, 15),
        "来访",
        "存款",
        "BJ01-SB3-01",
        "100033",
        "客户称定期存款到期自动转存未按约定利率计息，要求补足利息。",
        topic=Complaint.Topic.FINANCIAL_KNOWLEDGE,
    ),
]


def reference(case: Case, month_start: dt.datetime) -> str:
    """One series of numbers per month of demo data (TS202611-001 …)."""
    return f"TS{month_start:%Y%m}-{case.number:03d}"


def _month_starts(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    this = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    previous = (this - dt.timedelta(days=1)).replace(day=1)
    return previous, this


def _times(case: Case, now: dt.datetime) -> tuple[dt.datetime, dt.datetime | None]:
    """Receipt and resolution times; never later than the start of today."""
    previous, _this = _month_starts(now)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    month, days, hour = case.received
    if month == "prev":
        received = previous + dt.timedelta(days=days, hours=hour)
    else:
        received = today - dt.timedelta(days=days) + dt.timedelta(hours=hour)
    received = min(received, today)
    resolved = None
    if case.resolved_after_days is not None:
        resolved = received + dt.timedelta(days=case.resolved_after_days, hours=2)
        resolved = max(min(resolved, today), received)
    return received, resolved


def _csv(rows) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def demo_rows(now: dt.datetime) -> list[list[str]]:
    _previous, this = _month_starts(now)
    rows = []
    for case in CASES:
        received, resolved = _times(case, now)
        rows.append(
            [
                reference(case, this),
                f"{received:%Y-%m-%d %H:%M}",
                case.channel,
                case.category,
                case.department,
                case.responsible,
                case.handler,
                "已办结" if resolved else "处理中",
                f"{resolved:%Y-%m-%d %H:%M}" if resolved else "",
                case.outcome,
                "是" if case.staff_at_fault else "否",
                {True: "是", False: "否", None: ""}[case.satisfied],
                case.summary,
            ]
        )
    return rows


@demo.step(50, "incentives: complaints")
def load_complaints(ctx: demo.DemoContext, now: dt.datetime | None = None) -> None:
    now = timezone.localtime(now or timezone.now())
    report = run_import("complaints", _csv(demo_rows(now)), filename="demo-ts.csv")
    if not report.ok:
        raise RuntimeError(report.as_text())
    _previous, this = _month_starts(now)
    recorder = User.objects.filter(username="demo-hr").first()
    complaints = Complaint.objects.in_bulk(
        [reference(case, this) for case in CASES], field_name="reference_no"
    )
    for case in CASES:
        complaint = complaints[reference(case, this)]
        wanted = {
            "topic": case.topic,
            "law_article": case.law_article,
            "escalated": case.escalated,
        }
        if any(getattr(complaint, k) != v for k, v in wanted.items()):
            complaint = services.complaint_update(complaint=complaint, **wanted)
        if case.extend and complaint.extended_at is None:
            complaint = services.complaint_extend(
                complaint=complaint, reason=case.extend, by=recorder
            )
        if case.approve_days and complaint.approved_deadline_at is None:
            services.complaint_approve_longer_deadline(
                complaint=complaint,
                deadline_at=complaint.received_at
                + dt.timedelta(days=case.approve_days),
                reference=f"CP-SP-{this:%Y%m}-{case.number:03d}",
                note="经总行消费者权益保护部负责人审批，情况特别复杂，再延长期限；"
                "已电话告知投诉人。",
                by=recorder,
            )


# --- incentive rules and the previous month's evaluation (ledger-core) -------------

RULES = [
    # code, name, trigger, kind, points, amount
    (
        "quiz-first-pass",
        "测验首次通过奖励",
        "quiz_passed_first_attempt",
        "reward",
        5,
        "20.00",
    ),
    ("quiz-perfect", "测验满分奖励", "quiz_perfect_score", "reward", 10, "50.00"),
    (
        "quiz-failed-all",
        "测验次数用尽未通过",
        "quiz_failed_all_attempts",
        "penalty",
        5,
        "0.00",
    ),
    (
        "course-on-time",
        "必修课程按期完成",
        "course_completed_on_time",
        "reward",
        3,
        "0.00",
    ),
    (
        "course-overdue",
        "必修课程逾期未完成",
        "course_overdue_at_period_end",
        "penalty",
        3,
        "50.00",
    ),
    (
        "complaint-at-fault",
        "有责投诉（责任人）",
        "complaint_upheld_at_fault",
        "penalty",
        10,
        "200.00",
    ),
    (
        "complaint-satisfied",
        "投诉按期办结且客户满意（处理人）",
        "complaint_resolved_on_time_satisfied",
        "reward",
        3,
        "30.00",
    ),
    (
        "complaint-overdue",
        "投诉超期办结（处理人）",
        "complaint_overdue",
        "penalty",
        3,
        "50.00",
    ),
    (
        "remediation-on-time",
        "整改培训按期完成",
        "remediation_completed_on_time",
        "reward",
        5,
        "0.00",
    ),
]
APPROVE_IN_DEMO = 3


@demo.step(55, "incentives: rules and the previous month's evaluation")
def load_incentives(ctx: demo.DemoContext, now: dt.datetime | None = None) -> None:
    """Rules covering every trigger, then the previous month evaluated once
    (by a maker other than demo-hr) and a few entries approved by demo-hr."""
    from decimal import Decimal

    from core import roles
    from incentives.models import EvaluationRun, IncentiveRule, LedgerEntry
    from incentives.periods import period_previous_month
    from incentives.services import evaluation, ledger, rules

    now = timezone.localtime(now or timezone.now())
    hr_user = User.objects.filter(username="demo-hr").first()
    first_day = dt.date(now.year - 1, 1, 1)
    existing = set(IncentiveRule.objects.values_list("code", flat=True))
    for code, name, trigger, kind, points, amount in RULES:
        if code not in existing:
            rules.rule_create(
                name=name,
                code=code,
                trigger=trigger,
                kind=kind,
                points=points,
                amount=Decimal(amount),
                active_from=first_day,
                by=hr_user,
            )
    period = period_previous_month(now.date())
    if EvaluationRun.objects.filter(period=period).exists():
        return  # evaluated by an earlier load_demo: idempotent
    maker = (
        User.objects.filter(groups__name=roles.HR)
        .exclude(username="demo-hr")
        .order_by("pk")
        .first()
        or User.objects.filter(username="demo-admin").first()
    )
    result = evaluation.evaluate_period(period, by=maker, now=now)
    ctx.log(f"  {period}: {result.created} pending entries")
    if hr_user is None:
        return
    hr_staff = getattr(hr_user, "staff_profile", None)
    pending = (
        LedgerEntry.objects.filter(evaluation_run=result.run)
        .exclude(staff=hr_staff)
        .order_by("pk")
        .values_list("pk", flat=True)[:APPROVE_IN_DEMO]
    )
    if pending:
        ledger.entries_approve_many(list(pending), hr_user, note="示例：已核对")
