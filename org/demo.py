"""Demo bank: one branch, its departments, sub-branches and outlets, ~40 staff,
and the five demo accounts (loaded through the real import pipeline)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from core import demo, roles
from core.imports.pipeline import run_import
from org import services
from org.models import Department, StaffProfile

User = get_user_model()

DEPARTMENTS = [
    # code, name, parent_code, kind
    ("BJ01", "示范银行滨江分行", "", "分行"),
    ("BJ01-HR", "人力资源部", "BJ01", "部门"),
    ("BJ01-CP", "消费者权益保护部", "BJ01", "部门"),
    ("BJ01-SB1", "城东支行", "BJ01", "支行"),
    ("BJ01-SB1-01", "东湖路网点", "BJ01-SB1", "网点"),
    ("BJ01-SB1-02", "解放路网点", "BJ01-SB1", "网点"),
    ("BJ01-SB2", "城西支行", "BJ01", "支行"),
    ("BJ01-SB2-01", "西溪网点", "BJ01-SB2", "网点"),
    ("BJ01-SB2-02", "文三路网点", "BJ01-SB2", "网点"),
    ("BJ01-SB3", "高新支行", "BJ01", "支行"),
    ("BJ01-SB3-01", "科技园网点", "BJ01-SB3", "网点"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "磊",
    "洋",
    "艳",
    "勇",
    "杰",
    "涛",
    "明",
    "超",
    "秀英",
    "建华",
    "晓东",
]
OUTLET_POSITIONS = ["柜员", "柜员", "客户经理", "大堂经理", "理财经理"]

DEMO_ACCOUNTS = [
    # username, name, department, position, role
    ("demo-learner", "林小雨", "BJ01-SB1-01", "柜员", roles.LEARNER),
    ("demo-manager", "周建国", "BJ01-SB1", "支行行长", roles.MANAGER),
    ("demo-trainer", "陈思远", "BJ01-CP", "培训专员", roles.TRAINER),
    ("demo-hr", "赵静怡", "BJ01-HR", "人事专员", roles.HR),
    ("demo-admin", "系统管理员", "BJ01", "系统管理员", None),
]


def _csv(header, rows) -> bytes:
    lines = [",".join(header)] + [",".join(str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def staff_rows():
    rows = []
    number = 100001
    outlets = [d for d in DEPARTMENTS if d[3] == "网点"]
    for outlet_index, (code, *_rest) in enumerate(outlets):
        positions = ["网点负责人", *OUTLET_POSITIONS, "柜员"]
        for position in positions:
            index = number - 100001
            name = SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 7) % len(GIVEN)]
            hired = dt.date(2012 + index % 13, 1 + index % 12, 1 + (index * 3) % 28)
            rows.append(
                (
                    number,
                    name,
                    code,
                    position,
                    hired.isoformat(),
                    f"e{number}@bank.example",
                    "是",
                )
            )
            number += 1
        del outlet_index
    for code, position in [
        ("BJ01-HR", "人事专员"),
        ("BJ01-CP", "消保专员"),
        ("BJ01-CP", "投诉处理岗"),
        ("BJ01-SB2", "支行行长"),
        ("BJ01-SB3", "支行行长"),
        ("BJ01", "分行行长"),
    ]:
        index = number - 100001
        name = SURNAMES[(index * 3) % len(SURNAMES)] + GIVEN[index % len(GIVEN)]
        rows.append(
            (
                number,
                name,
                code,
                position,
                "2015-03-02",
                f"e{number}@bank.example",
                "是",
            )
        )
        number += 1
    # One leaver: kept, deactivated.
    rows.append(
        (
            number,
            "钱多多",
            "BJ01-SB2-01",
            "柜员",
            "2019-07-01",
            f"e{number}@bank.example",
            "否",
        )
    )
    return rows


@demo.step(10, "org: departments and staff")
def load_org(ctx: demo.DemoContext) -> None:
    for kind, data in [
        (
            "departments",
            _csv(["部门编码", "部门名称", "上级部门编码", "类型"], DEPARTMENTS),
        ),
        (
            "staff",
            _csv(
                ["工号", "姓名", "部门编码", "岗位", "入职日期", "邮箱", "在职"],
                staff_rows(),
            ),
        ),
    ]:
        report = run_import(kind, data, filename=f"demo-{kind}.csv")
        if not report.ok:
            raise RuntimeError(report.as_text())
    _demo_accounts(ctx)


def _demo_accounts(ctx: demo.DemoContext) -> None:
    for username, name, department_code, position, role in DEMO_ACCOUNTS:
        department = Department.objects.get(code=department_code)
        profile = StaffProfile.objects.filter(employee_no=username).first()
        if profile is None:
            profile = services.staff_create(
                employee_no=username,
                name=name,
                department=department,
                position=position,
                hire_date=dt.date(2018, 9, 1),
                email=f"{username}@bank.example",
            )
        user = User.objects.get(pk=profile.user_id)
        user.set_password(ctx.password)
        user.is_active = True
        if role is None:
            user.is_staff = True
            user.is_superuser = True
        user.save()
        if role is not None:
            user.groups.add(Group.objects.get(name=role))
        label = str(roles.ROLE_LABELS.get(role, "Admin")) if role else "Admin"
        ctx.logins.append((username, label))
