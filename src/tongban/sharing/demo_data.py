"""Demo data of the exchange: the resource catalog, and consistent synthetic people and enterprises.

The people are the demo accounts' residents (``accounts.demo.RESIDENTS``: same names, ID numbers,
addresses) and their families; the enterprises are the demo enterprises (same USCC, names,
representatives). One person's household, birth, marriage, social insurance, provident fund,
property, education and ID card records agree with each other: the spouse in the marriage record
is the spouse in the household, the newborn's parents in the birth certificate are married to each
other, the employer in the social insurance record is a registered enterprise. ``synthetic_people``
adds as many further people as a benchmark needs, made the same way from a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from tongban.core.identifiers import make_resident_id, make_uscc
from tongban.sharing.constants import FieldType, SharingClass, SubjectKind, UpdateFrequency

T, D, N, B, ID, CC = (
    FieldType.TEXT,
    FieldType.DATE,
    FieldType.NUMBER,
    FieldType.BOOLEAN,
    FieldType.ID_NUMBER,
    FieldType.USCC,
)
U, C, X = SharingClass.UNCONDITIONAL, SharingClass.CONDITIONAL, SharingClass.NOT_SHARED


@dataclass(frozen=True)
class ResourceSpec:
    code: str
    name: str
    name_en: str
    provider: str  # department code (same slug in every region)
    subject_kind: str
    fields: list[tuple[str, str, str, str]]  # name, label, type, sharing class
    frequency: str
    legal_basis: str
    system: str
    description: str


RESOURCES: list[ResourceSpec] = [
    ResourceSpec(
        "gaj_hjxx",
        "户籍人口信息",
        "Household registration",
        "psb",
        SubjectKind.PERSON,
        [
            ("id_number", "公民身份号码", ID, U),
            ("name", "姓名", T, U),
            ("gender", "性别", T, U),
            ("ethnicity", "民族", T, C),
            ("birth_date", "出生日期", D, U),
            ("household_number", "户号", T, C),
            ("household_head", "户主姓名", T, C),
            ("relation_to_head", "与户主关系", T, C),
            ("address", "户籍地址", T, C),
            ("registration_authority", "户口登记机关", T, U),
            ("remarks", "户籍内部备注", T, X),
        ],
        UpdateFrequency.REALTIME,
        "《中华人民共和国户口登记条例》；《政务信息资源共享管理暂行办法》（国发〔2016〕51号）",
        "人口信息管理系统",
        "常住户口登记的人口基本信息及户内成员关系",
    ),
    ResourceSpec(
        "gaj_jmsfz",
        "居民身份证信息",
        "Resident identity card",
        "psb",
        SubjectKind.PERSON,
        [
            ("id_number", "公民身份号码", ID, U),
            ("name", "姓名", T, U),
            ("gender", "性别", T, U),
            ("ethnicity", "民族", T, C),
            ("birth_date", "出生日期", D, U),
            ("address", "住址", T, C),
            ("issuing_authority", "签发机关", T, U),
            ("valid_from", "有效期起", D, U),
            ("valid_to", "有效期止", D, U),
            ("photo", "证件照片", T, X),
        ],
        UpdateFrequency.REALTIME,
        "《中华人民共和国居民身份证法》第十三条",
        "居民身份证信息系统",
        "居民身份证登记项目及有效期，用于身份核验",
    ),
    ResourceSpec(
        "wj_csyxzm",
        "出生医学证明",
        "Medical birth certificate",
        "health",
        SubjectKind.PERSON,
        [
            ("id_number", "父（母）公民身份号码", ID, U),
            ("certificate_number", "出生医学证明编号", T, U),
            ("baby_name", "新生儿姓名", T, C),
            ("baby_gender", "新生儿性别", T, C),
            ("birth_date", "出生日期", D, C),
            ("birth_place", "出生地点（助产机构）", T, C),
            ("mother_name", "母亲姓名", T, C),
            ("mother_id_number", "母亲公民身份号码", ID, C),
            ("father_name", "父亲姓名", T, C),
            ("father_id_number", "父亲公民身份号码", ID, C),
            ("issued_on", "签发日期", D, U),
            ("medical_notes", "分娩医学记录", T, X),
        ],
        UpdateFrequency.DAILY,
        "《中华人民共和国母婴保健法》第二十三条；《出生医学证明管理办法》",
        "出生医学证明管理信息系统",
        "助产机构签发的出生医学证明，按父母公民身份号码查询",
    ),
    ResourceSpec(
        "mz_hydj",
        "婚姻登记信息",
        "Marriage registration",
        "civil",
        SubjectKind.PERSON,
        [
            ("id_number", "公民身份号码", ID, U),
            ("name", "姓名", T, U),
            ("marital_status", "婚姻状况", T, C),
            ("certificate_number", "结婚证字号", T, C),
            ("registered_on", "登记日期", D, C),
            ("spouse_name", "配偶姓名", T, C),
            ("spouse_id_number", "配偶公民身份号码", ID, C),
            ("registration_authority", "登记机关", T, C),
        ],
        UpdateFrequency.REALTIME,
        "《婚姻登记条例》；《民政部关于婚姻登记信息共享的通知》",
        "全国婚姻登记信息系统",
        "结婚、离婚登记及婚姻状况",
    ),
    ResourceSpec(
        "rs_sbjf",
        "社会保险参保信息",
        "Social insurance enrolment",
        "hrss",
        SubjectKind.PERSON,
        [
            ("id_number", "公民身份号码", ID, U),
            ("name", "姓名", T, U),
            ("insured", "是否参保", B, U),
            ("insurance_types", "参保险种", T, C),
            ("employer", "参保单位", T, C),
            ("employer_uscc", "参保单位统一社会信用代码", CC, C),
            ("insured_since", "参保日期", D, C),
            ("months_paid", "累计缴费月数", N, C),
            ("last_paid_month", "最近缴费月份", T, C),
            ("card_number", "社会保障卡号", T, C),
            ("wage_base", "缴费基数（元）", N, X),
        ],
        UpdateFrequency.DAILY,
        "《中华人民共和国社会保险法》第七十四条",
        "社会保险业务经办系统",
        "职工和城乡居民社会保险参保、缴费及社会保障卡信息",
    ),
    ResourceSpec(
        "gjj_jcxx",
        "住房公积金缴存信息",
        "Housing provident fund deposits",
        "hpf",
        SubjectKind.PERSON,
        [
            ("id_number", "公民身份号码", ID, U),
            ("name", "姓名", T, U),
            ("account_number", "个人账号", T, C),
            ("employer", "缴存单位", T, C),
            ("deposit_status", "缴存状态", T, C),
            ("monthly_deposit", "月缴存额（元）", N, C),
            ("opened_on", "开户日期", D, C),
            ("balance", "账户余额（元）", N, X),
        ],
        UpdateFrequency.DAILY,
        "《住房公积金管理条例》",
        "住房公积金综合服务平台",
        "个人住房公积金账户及缴存状态",
    ),
    ResourceSpec(
        "scjg_qydj",
        "企业登记信息（市场主体）",
        "Business registration",
        "amr",
        SubjectKind.ENTERPRISE,
        [
            ("uscc", "统一社会信用代码", CC, U),
            ("name", "名称", T, U),
            ("entity_type", "类型", T, U),
            ("legal_representative", "法定代表人", T, U),
            ("legal_representative_id_number", "法定代表人公民身份号码", ID, C),
            ("registered_capital", "注册资本（万元）", N, U),
            ("established_on", "成立日期", D, U),
            ("address", "住所", T, U),
            ("business_scope", "经营范围", T, U),
            ("status", "登记状态", T, U),
        ],
        UpdateFrequency.REALTIME,
        "《中华人民共和国市场主体登记管理条例》第三十五条",
        "市场主体登记管理系统",
        "市场主体登记、变更、注销信息",
    ),
    ResourceSpec(
        "sw_nsxy",
        "纳税信用等级",
        "Tax credit rating",
        "tax",
        SubjectKind.ENTERPRISE,
        [
            ("uscc", "统一社会信用代码", CC, U),
            ("name", "纳税人名称", T, U),
            ("credit_level", "纳税信用级别", T, C),
            ("year", "评价年度", N, C),
            ("evaluated_on", "评价日期", D, C),
            ("tax_arrears", "欠税金额（元）", N, X),
        ],
        UpdateFrequency.YEARLY,
        "《纳税信用管理办法（试行）》第三十一条",
        "金税三期税收管理系统",
        "企业纳税信用评价结果",
    ),
    ResourceSpec(
        "gtj_bdcdj",
        "不动产登记信息",
        "Real estate registration",
        "planning",
        SubjectKind.PERSON,
        [
            ("id_number", "权利人公民身份号码", ID, U),
            ("name", "权利人", T, U),
            ("certificate_number", "不动产权证书号", T, C),
            ("location", "坐落", T, C),
            ("area", "建筑面积（平方米）", N, C),
            ("usage", "用途", T, C),
            ("right_type", "权利类型", T, C),
            ("registered_on", "登记日期", D, C),
            ("mortgage", "抵押情况", T, X),
        ],
        UpdateFrequency.REALTIME,
        "《不动产登记暂行条例》第二十四条",
        "不动产登记信息管理基础平台",
        "不动产权利人、坐落、面积、用途及登记信息",
    ),
    ResourceSpec(
        "jy_xlxw",
        "学历学位信息",
        "Academic degrees",
        "education",
        SubjectKind.PERSON,
        [
            ("id_number", "公民身份号码", ID, U),
            ("name", "姓名", T, U),
            ("education_level", "学历层次", T, C),
            ("school", "毕业院校", T, C),
            ("major", "专业", T, C),
            ("graduated_on", "毕业日期", D, C),
            ("certificate_number", "毕业证书编号", T, C),
            ("degree", "学位", T, C),
        ],
        UpdateFrequency.YEARLY,
        "《中华人民共和国高等教育法》；《高等学校学生学籍学历电子注册办法》",
        "学历学位信息管理系统",
        "高等教育学历及学位信息",
    ),
    ResourceSpec(
        "cl_cjrz",
        "残疾人证信息",
        "Disability certificate",
        "cdpf",
        SubjectKind.PERSON,
        [
            ("id_number", "公民身份号码", ID, U),
            ("name", "姓名", T, U),
            ("certificate_number", "残疾人证号", T, C),
            ("disability_kind", "残疾类别", T, C),
            ("disability_grade", "残疾等级", T, C),
            ("valid_to", "有效期至", D, C),
            ("assessment", "评定医学记录", T, X),
        ],
        UpdateFrequency.DAILY,
        "《中华人民共和国残疾人保障法》；《中华人民共和国残疾人证管理办法》",
        "全国残疾人人口基础数据库",
        "第二代残疾人证信息",
    ),
    ResourceSpec(
        "wj_swdj",
        "死亡登记信息",
        "Death registration",
        "health",
        SubjectKind.PERSON,
        [
            ("id_number", "公民身份号码", ID, U),
            ("name", "姓名", T, U),
            ("date_of_death", "死亡日期", D, C),
            ("place_of_death", "死亡地点", T, C),
            ("certificate_number", "居民死亡医学证明编号", T, C),
            ("cause", "死亡原因", T, X),
        ],
        UpdateFrequency.DAILY,
        "《人口死亡信息登记管理规范（试行）》",
        "人口死亡信息登记管理系统",
        "居民死亡医学证明（推断）书信息，用于待遇停发和户籍注销",
    ),
]

# Approvals the demo starts with: (requesting department, resource, fields or () for all shareable,
# purposes, items). Each region approves its own departments; a few cross-region approvals are made
# at the provider's node by ``demo.load`` (Tianjin's public security reads Beijing's social insurance).
DEMO_APPROVALS: list[tuple[str, str, tuple[str, ...], tuple[str, ...], str]] = [
    ("psb", "wj_csyxzm", (), ("licensing", "public_service"), "出生登记"),
    ("psb", "mz_hydj", (), ("licensing", "public_service"), "出生登记；户口迁移"),
    ("psb", "gaj_jmsfz", (), ("licensing", "public_service"), "出生登记；户口迁移；居住证"),
    ("psb", "gaj_hjxx", (), ("licensing", "public_service"), "出生登记；户口迁移；居住证"),
    (
        "psb",
        "gtj_bdcdj",
        ("id_number", "name", "certificate_number", "location", "usage", "right_type"),
        ("licensing", "public_service"),
        "户口迁移；居住证",
    ),
    (
        "psb",
        "rs_sbjf",
        ("id_number", "name", "insured", "employer", "insured_since", "months_paid"),
        ("licensing", "public_service"),
        "户口迁移；居住证",
    ),
    ("civil", "gaj_jmsfz", (), ("licensing", "benefit"), "结婚登记；高龄津贴"),
    ("civil", "gaj_hjxx", (), ("licensing", "benefit"), "结婚登记；高龄津贴"),
    ("civil", "mz_hydj", (), ("licensing",), "结婚登记"),
    ("civil", "rs_sbjf", ("id_number", "name", "insured", "card_number"), ("benefit",), "高龄津贴"),
    ("civil", "wj_swdj", (), ("benefit",), "高龄津贴停发核查"),
    ("hrss", "gaj_jmsfz", (), ("licensing", "public_service"), "社保卡申领"),
    ("hrss", "gaj_hjxx", ("id_number", "name", "address", "registration_authority"), ("public_service",), "社保卡申领"),
    ("hrss", "rs_sbjf", (), ("public_service",), "社保卡申领"),
    ("amr", "gaj_jmsfz", (), ("licensing",), "开办企业"),
    ("amr", "scjg_qydj", (), ("licensing", "supervision"), "开办企业；变更登记"),
    ("amr", "sw_nsxy", ("uscc", "name", "credit_level", "year"), ("supervision", "commitment_check"), "告知承诺核查"),
    (
        "amr",
        "gtj_bdcdj",
        ("id_number", "name", "location", "usage"),
        ("licensing", "commitment_check"),
        "开办企业住所核验",
    ),
    ("hpf", "gaj_jmsfz", (), ("public_service",), "住房公积金提取"),
    ("hpf", "gtj_bdcdj", (), ("public_service",), "住房公积金提取"),
    (
        "hpf",
        "mz_hydj",
        ("id_number", "name", "marital_status", "spouse_name", "spouse_id_number"),
        ("public_service",),
        "住房公积金提取",
    ),
    ("gsa", "gaj_jmsfz", (), ("licensing", "public_service", "benefit"), "综合窗口受理核验"),
]
# Conditional approvals (masked fields) of the demo, as (department, resource): what they mask.
DEMO_MASKS: dict[tuple[str, str], tuple[str, ...]] = {
    ("civil", "rs_sbjf"): ("card_number",),
    ("hpf", "mz_hydj"): ("spouse_id_number",),
}


# ---------------------------------------------------------------- people


@dataclass
class Person:
    id_number: str
    name: str
    county: str
    birth: dt.date
    address: str
    household_number: str = ""
    household_head: str = ""
    relation: str = "户主"
    ethnicity: str = "汉族"
    spouse: str = ""  # ID number
    married_on: dt.date | None = None
    marriage_authority: str = ""
    employer_uscc: str = ""
    employer_name: str = ""
    insured_since: dt.date | None = None
    hpf_since: dt.date | None = None
    monthly_deposit: int = 0
    estate: tuple[str, float, str] | None = None  # location, area, certificate number
    education: tuple[str, str, str, dt.date] | None = None  # level, school, major, graduated
    disability: tuple[str, str] | None = None  # kind, grade
    died_on: dt.date | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def gender(self) -> str:
        return "男" if int(self.id_number[16]) % 2 == 1 else "女"


@dataclass(frozen=True)
class Birth:
    certificate_number: str
    baby_name: str
    baby_gender: str
    birth_date: dt.date
    birth_place: str
    mother: str  # ID number
    father: str
    issued_on: dt.date


@dataclass(frozen=True)
class Company:
    uscc: str
    name: str
    representative: str  # ID number
    region: str
    address: str
    capital: int
    established_on: dt.date
    scope: str
    entity_type: str = "有限责任公司(自然人投资或控股)"
    credit_level: str = "A"


def rid(county: str, birth: dt.date, seq: int) -> str:
    return make_resident_id(county, birth, seq)


REGION_NAMES = {"110000": "北京市", "120000": "天津市", "130000": "河北省"}
PSB_STATION = {
    "110105": "北京市公安局朝阳分局建外派出所",
    "110108": "北京市公安局海淀分局中关村派出所",
    "120101": "天津市公安局和平分局南市派出所",
    "120103": "天津市公安局河西分局友谊路派出所",
    "120104": "天津市公安局南开分局鞍山道派出所",
    "120116": "天津市公安局滨海分局洞庭路派出所",
    "130102": "石家庄市公安局长安分局中山东路派出所",
    "130602": "保定市公安局竞秀分局朝阳派出所",
}
MARRIAGE_OFFICE = {
    "110000": "北京市朝阳区民政局婚姻登记处",
    "120000": "天津市和平区民政局婚姻登记处",
    "130000": "石家庄市长安区民政局婚姻登记处",
}


def demo_world() -> tuple[list[Person], list[Birth], list[Company]]:
    """The demo accounts' people and enterprises, with their families (see the module's docstring)."""
    zw = rid("120101", dt.date(1985, 11, 20), 13)  # 张伟 (tj_resident_1)
    sl = rid("120103", dt.date(1987, 6, 15), 26)  # 孙丽, his wife
    ln = rid("120116", dt.date(1995, 1, 8), 24)  # 李娜 (tj_resident_2)
    wl = rid("120116", dt.date(1993, 4, 22), 37)  # 王磊, her fiancé
    zxl = rid("120104", dt.date(1964, 9, 1), 62)  # 赵秀兰 (tj_retiree)
    qgf = rid("120104", dt.date(1934, 3, 15), 28)  # 钱桂芳, her mother (92: 高龄津贴)
    ly = rid("110105", dt.date(1988, 3, 12), 31)  # 刘洋 (bj_resident_1)
    wf = rid("110108", dt.date(1992, 7, 5), 42)  # 王芳 (bj_resident_2), his wife
    cj = rid("130102", dt.date(1990, 4, 18), 55)  # 陈静 (hb_resident_1)
    yl = rid("130602", dt.date(1987, 12, 30), 17)  # 杨磊 (hb_resident_2)
    bj_co = make_uscc("110000", 10001)
    tj_co = make_uscc("120000", 20001)
    tj_co2 = make_uscc("120000", 20002)
    hb_co = make_uscc("130000", 30001)
    companies = [
        Company(
            bj_co,
            "北京云启科技有限公司",
            ly,
            "110000",
            "北京市海淀区上地十街10号",
            500,
            dt.date(2018, 5, 16),
            "技术开发、技术咨询、技术服务；软件开发；数据处理",
        ),
        Company(
            tj_co,
            "天津津港物流有限公司",
            zw,
            "120000",
            "天津市滨海新区新港二号路35号",
            1000,
            dt.date(2012, 8, 1),
            "普通货运；国际货物运输代理；仓储服务（危险化学品除外）",
        ),
        Company(
            tj_co2,
            "天津绿田农资有限公司",
            ln,
            "120000",
            "天津市武清区雍阳西道121号",
            200,
            dt.date(2021, 3, 9),
            "化肥、农药（不含危险化学品）、种子销售",
            credit_level="B",
        ),
        Company(
            hb_co,
            "河北冀丰种业有限公司",
            cj,
            "130000",
            "河北省石家庄市鹿泉区上庄镇创业路9号",
            3000,
            dt.date(2016, 11, 22),
            "农作物种子生产、经营；农业技术推广服务",
        ),
    ]
    people = [
        Person(
            zw,
            "张伟",
            "120101",
            dt.date(1985, 11, 20),
            "天津市和平区南京路189号",
            "120101010013",
            "张伟",
            "户主",
            spouse=sl,
            married_on=dt.date(2014, 5, 20),
            marriage_authority=MARRIAGE_OFFICE["120000"],
            employer_uscc=tj_co,
            employer_name="天津津港物流有限公司",
            insured_since=dt.date(2008, 7, 1),
            hpf_since=dt.date(2008, 7, 1),
            monthly_deposit=2360,
            estate=("天津市和平区南京路189号3门1201", 98.6, "津(2019)和平区不动产权第0012345号"),
            education=("大学本科", "南开大学", "物流管理", dt.date(2008, 6, 30)),
        ),
        Person(
            sl,
            "孙丽",
            "120103",
            dt.date(1987, 6, 15),
            "天津市和平区南京路189号",
            "120101010013",
            "张伟",
            "妻",
            spouse=zw,
            married_on=dt.date(2014, 5, 20),
            marriage_authority=MARRIAGE_OFFICE["120000"],
            employer_uscc=tj_co,
            employer_name="天津津港物流有限公司",
            insured_since=dt.date(2010, 9, 1),
            hpf_since=dt.date(2010, 9, 1),
            monthly_deposit=1580,
            education=("硕士研究生", "天津大学", "管理科学与工程", dt.date(2012, 6, 30)),
        ),
        Person(
            ln,
            "李娜",
            "120116",
            dt.date(1995, 1, 8),
            "天津市滨海新区洞庭路110号",
            "120116020024",
            "李娜",
            "户主",
            employer_uscc=tj_co2,
            employer_name="天津绿田农资有限公司",
            insured_since=dt.date(2017, 7, 1),
            hpf_since=dt.date(2017, 7, 1),
            monthly_deposit=980,
            education=("大学本科", "天津农学院", "农学", dt.date(2017, 6, 30)),
        ),
        Person(
            wl,
            "王磊",
            "120116",
            dt.date(1993, 4, 22),
            "天津市滨海新区洞庭路88号",
            "120116020037",
            "王建华",
            "子",
            employer_uscc=tj_co,
            employer_name="天津津港物流有限公司",
            insured_since=dt.date(2015, 8, 1),
            hpf_since=dt.date(2015, 8, 1),
            monthly_deposit=1200,
            education=("大学专科", "天津交通职业学院", "报关与国际货运", dt.date(2014, 6, 30)),
        ),
        Person(
            zxl,
            "赵秀兰",
            "120104",
            dt.date(1964, 9, 1),
            "天津市南开区鞍山西道58号",
            "120104030062",
            "赵秀兰",
            "户主",
            insured_since=dt.date(1984, 1, 1),
            extra={"retired": True},
        ),
        Person(
            qgf,
            "钱桂芳",
            "120104",
            dt.date(1934, 3, 15),
            "天津市南开区鞍山西道58号",
            "120104030062",
            "赵秀兰",
            "母亲",
            insured_since=dt.date(2011, 7, 1),
            disability=("肢体残疾", "三级"),
            extra={"retired": True},
        ),
        Person(
            ly,
            "刘洋",
            "110105",
            dt.date(1988, 3, 12),
            "北京市朝阳区建国路88号",
            "110105040031",
            "刘洋",
            "户主",
            spouse=wf,
            married_on=dt.date(2019, 10, 1),
            marriage_authority=MARRIAGE_OFFICE["110000"],
            employer_uscc=bj_co,
            employer_name="北京云启科技有限公司",
            insured_since=dt.date(2010, 7, 1),
            hpf_since=dt.date(2010, 7, 1),
            monthly_deposit=4200,
            estate=("北京市朝阳区建国路88号院5号楼1单元802", 89.3, "京(2020)朝阳区不动产权第0088123号"),
            education=("硕士研究生", "北京航空航天大学", "计算机科学与技术", dt.date(2013, 6, 30)),
        ),
        Person(
            wf,
            "王芳",
            "110108",
            dt.date(1992, 7, 5),
            "北京市朝阳区建国路88号",
            "110105040031",
            "刘洋",
            "妻",
            spouse=ly,
            married_on=dt.date(2019, 10, 1),
            marriage_authority=MARRIAGE_OFFICE["110000"],
            employer_uscc=bj_co,
            employer_name="北京云启科技有限公司",
            insured_since=dt.date(2014, 7, 1),
            hpf_since=dt.date(2014, 7, 1),
            monthly_deposit=2900,
            education=("大学本科", "北京师范大学", "汉语言文学", dt.date(2014, 6, 30)),
        ),
        Person(
            cj,
            "陈静",
            "130102",
            dt.date(1990, 4, 18),
            "河北省石家庄市长安区中山东路99号",
            "130102050055",
            "陈静",
            "户主",
            employer_uscc=hb_co,
            employer_name="河北冀丰种业有限公司",
            insured_since=dt.date(2012, 7, 1),
            hpf_since=dt.date(2012, 7, 1),
            monthly_deposit=1500,
            estate=("石家庄市长安区中山东路99号2栋1单元601", 120.0, "冀(2017)石家庄市不动产权第0045678号"),
            education=("大学本科", "河北农业大学", "种子科学与工程", dt.date(2012, 6, 30)),
        ),
        Person(
            yl,
            "杨磊",
            "130602",
            dt.date(1987, 12, 30),
            "河北省保定市竞秀区朝阳北大街666号",
            "130602060017",
            "杨磊",
            "户主",
            employer_uscc=hb_co,
            employer_name="河北冀丰种业有限公司",
            insured_since=dt.date(2011, 3, 1),
            hpf_since=dt.date(2011, 3, 1),
            monthly_deposit=1100,
        ),
    ]
    births = [
        Birth(
            "Q120012345", "张一诺", "女", dt.date(2026, 11, 20), "天津市中心妇产科医院", sl, zw, dt.date(2026, 11, 21)
        ),
        Birth("P110098765", "刘子墨", "男", dt.date(2021, 8, 3), "北京妇产医院", wf, ly, dt.date(2021, 8, 4)),
    ]
    return people, births, companies


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红鹏辉建国文斌宇浩凯欣怡晨思雨梓涵子轩一诺佳琪"
COUNTIES = {
    "110000": ["110101", "110105", "110108"],
    "120000": ["120101", "120103", "120116"],
    "130000": ["130102", "130602"],
}
STREETS = {"110000": "北京市朝阳区望京街", "120000": "天津市河西区友谊路", "130000": "河北省石家庄市桥西区自强路"}


def synthetic_people(region: str, count: int, *, seed: int = 2026) -> list[Person]:
    """``count`` further people of ``region``, each with a household, an ID card, social insurance."""
    rng = random.Random(f"{seed}-{region}")
    people = []
    counties = COUNTIES[region]
    for n in range(count):
        county = counties[n % len(counties)]
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 55))
        seq = 100 + (n // len(counties)) % 899
        id_number = rid(county, birth, seq)
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        address = f"{STREETS[region]}{rng.randrange(1, 300)}号{rng.randrange(1, 30)}门{rng.randrange(101, 2600)}"
        people.append(
            Person(
                id_number,
                name,
                county,
                birth,
                address,
                f"{county}{n:06d}",
                name,
                insured_since=dt.date(max(birth.year + 20, 1995), 7, 1),
            )
        )
    return people


# ---------------------------------------------------------------- records


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def person_records(
    people: list[Person], births: list[Birth], companies: list[Company], *, today: dt.date
) -> list[tuple[str, str, dict[str, Any]]]:
    """Every resource's record of every person and enterprise: (resource code, subject, data)."""
    by_id = {p.id_number: p for p in people}
    employers = {c.uscc: c for c in companies}
    out: list[tuple[str, str, dict[str, Any]]] = []
    for p in people:
        region = p.county[:2] + "0000"
        station = PSB_STATION.get(p.county, f"{REGION_NAMES.get(region, '')}公安局{p.county}派出所")
        base = {"id_number": p.id_number, "name": p.name}
        if p.died_on is None:
            out.append(
                (
                    "gaj_hjxx",
                    p.id_number,
                    {
                        **base,
                        "gender": p.gender,
                        "ethnicity": p.ethnicity,
                        "birth_date": _iso(p.birth),
                        "household_number": p.household_number,
                        "household_head": p.household_head,
                        "relation_to_head": p.relation,
                        "address": p.address,
                        "registration_authority": station,
                        "remarks": "",
                    },
                )
            )
            issued = dt.date(max(p.birth.year + 16, today.year - 9), p.birth.month, min(p.birth.day, 28))
            age = (today - p.birth).days // 365
            out.append(
                (
                    "gaj_jmsfz",
                    p.id_number,
                    {
                        **base,
                        "gender": p.gender,
                        "ethnicity": p.ethnicity,
                        "birth_date": _iso(p.birth),
                        "address": p.address,
                        "issuing_authority": station[: station.index("分局") + 2] if "分局" in station else station,
                        "valid_from": _iso(issued),
                        "valid_to": "长期"
                        if age >= 46
                        else _iso(issued.replace(year=issued.year + (20 if age >= 26 else 10))),
                        "photo": "",
                    },
                )
            )
        spouse = by_id.get(p.spouse)
        out.append(
            (
                "mz_hydj",
                p.id_number,
                {
                    **base,
                    "marital_status": "已婚" if spouse else "未婚",
                    "certificate_number": f"J{p.county[:4]}-{p.married_on:%Y}-{int(min(p.id_number, p.spouse)[-5:-1]):05d}"
                    if spouse and p.married_on
                    else "",
                    "registered_on": _iso(p.married_on) if spouse else "",
                    "spouse_name": spouse.name if spouse else "",
                    "spouse_id_number": spouse.id_number if spouse else "",
                    "registration_authority": p.marriage_authority if spouse else "",
                },
            )
        )
        if p.insured_since:
            employer = employers.get(p.employer_uscc)
            months = (today.year - p.insured_since.year) * 12 + today.month - p.insured_since.month
            retired = bool(p.extra.get("retired"))
            out.append(
                (
                    "rs_sbjf",
                    p.id_number,
                    {
                        **base,
                        "insured": True,
                        "insurance_types": "城乡居民基本养老保险、城乡居民基本医疗保险"
                        if retired and not employer
                        else "基本养老保险、基本医疗保险、失业保险、工伤保险、生育保险",
                        "employer": employer.name if employer else "",
                        "employer_uscc": employer.uscc if employer else "",
                        "insured_since": _iso(p.insured_since),
                        "months_paid": months if not retired else min(months, 420),
                        "last_paid_month": f"{today:%Y-%m}" if not retired else "",
                        "card_number": f"{p.county[:2]}S{p.id_number[-8:-1]}{p.id_number[6:8]}",
                        "wage_base": p.monthly_deposit * 4 if p.monthly_deposit else 0,
                    },
                )
            )
        if p.hpf_since:
            out.append(
                (
                    "gjj_jcxx",
                    p.id_number,
                    {
                        **base,
                        "account_number": f"{p.county[:4]}{p.id_number[-7:]}01",
                        "employer": p.employer_name,
                        "deposit_status": "正常缴存",
                        "monthly_deposit": p.monthly_deposit,
                        "opened_on": _iso(p.hpf_since),
                        "balance": p.monthly_deposit * 40,
                    },
                )
            )
        if p.estate:
            location, area, number = p.estate
            out.append(
                (
                    "gtj_bdcdj",
                    p.id_number,
                    {
                        **base,
                        "certificate_number": number,
                        "location": location,
                        "area": area,
                        "usage": "住宅",
                        "right_type": "国有建设用地使用权/房屋所有权",
                        "registered_on": f"{number[2:6]}-06-18",
                        "mortgage": "",
                    },
                )
            )
            if spouse:  # jointly owned: the spouse holds the same certificate
                out.append(
                    (
                        "gtj_bdcdj",
                        spouse.id_number,
                        {
                            "id_number": spouse.id_number,
                            "name": spouse.name,
                            "certificate_number": number,
                            "location": location,
                            "area": area,
                            "usage": "住宅",
                            "right_type": "国有建设用地使用权/房屋所有权（共同共有）",
                            "registered_on": f"{number[2:6]}-06-18",
                            "mortgage": "",
                        },
                    )
                )
        if p.education:
            level, school, major, graduated = p.education
            out.append(
                (
                    "jy_xlxw",
                    p.id_number,
                    {
                        **base,
                        "education_level": level,
                        "school": school,
                        "major": major,
                        "graduated_on": _iso(graduated),
                        "certificate_number": f"1{p.id_number[2:6]}{graduated:%Y}{p.id_number[-6:]}",
                        "degree": {"大学本科": "学士", "硕士研究生": "硕士"}.get(level, ""),
                    },
                )
            )
        if p.disability:
            kind, grade = p.disability
            out.append(
                (
                    "cl_cjrz",
                    p.id_number,
                    {
                        **base,
                        "certificate_number": f"{p.id_number}44",
                        "disability_kind": kind,
                        "disability_grade": grade,
                        "valid_to": _iso(dt.date(today.year + 8, 12, 31)),
                        "assessment": "",
                    },
                )
            )
        if p.died_on:
            out.append(
                (
                    "wj_swdj",
                    p.id_number,
                    {
                        **base,
                        "date_of_death": _iso(p.died_on),
                        "place_of_death": "家中",
                        "certificate_number": f"S{p.county}{p.died_on:%Y%m%d}",
                        "cause": "",
                    },
                )
            )
    for b in births:
        mother, father = by_id[b.mother], by_id[b.father]
        record = {
            "certificate_number": b.certificate_number,
            "baby_name": b.baby_name,
            "baby_gender": b.baby_gender,
            "birth_date": _iso(b.birth_date),
            "birth_place": b.birth_place,
            "mother_name": mother.name,
            "mother_id_number": mother.id_number,
            "father_name": father.name,
            "father_id_number": father.id_number,
            "issued_on": _iso(b.issued_on),
            "medical_notes": "",
        }
        for parent in (mother, father):
            out.append(("wj_csyxzm", parent.id_number, {"id_number": parent.id_number, **record}))
    for c in companies:
        rep = by_id.get(c.representative)
        out.append(
            (
                "scjg_qydj",
                c.uscc,
                {
                    "uscc": c.uscc,
                    "name": c.name,
                    "entity_type": c.entity_type,
                    "legal_representative": rep.name if rep else "",
                    "legal_representative_id_number": c.representative,
                    "registered_capital": c.capital,
                    "established_on": _iso(c.established_on),
                    "address": c.address,
                    "business_scope": c.scope,
                    "status": "存续（在营、开业、在册）",
                },
            )
        )
        out.append(
            (
                "sw_nsxy",
                c.uscc,
                {
                    "uscc": c.uscc,
                    "name": c.name,
                    "credit_level": c.credit_level,
                    "year": today.year - 1,
                    "evaluated_on": f"{today.year}-04-15",
                    "tax_arrears": 0,
                },
            )
        )
    return out


def demo_records(region: str, *, today: dt.date, synthetic: int = 40) -> list[tuple[str, str, dict[str, Any]]]:
    """The records a node of ``region`` holds: its own people and enterprises (and synthetic ones)."""
    people, births, companies = demo_world()
    prefix = region[:2]
    mine = [p for p in people if p.county[:2] == prefix] + synthetic_people(region, synthetic)
    mine_ids = {p.id_number for p in mine}
    # a spouse or parent from another region is known to the records only through the couple's own
    people_by_id = {p.id_number: p for p in people}
    for p in list(mine):
        other = people_by_id.get(p.spouse)
        if other is not None and other.id_number not in mine_ids:
            mine.append(other)
            mine_ids.add(other.id_number)
    own_births = [b for b in births if b.mother in mine_ids or b.father in mine_ids]
    own_companies = [c for c in companies if c.region[:2] == prefix]
    records = person_records(mine, own_births, own_companies, today=today)
    # only records whose subject lives in this region (a cross-region spouse is read from their node)
    return [r for r in records if r[1][:2] == prefix or r[1][2:4] == prefix]
