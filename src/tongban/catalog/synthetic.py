"""A large, realistic-looking synthetic catalog for benchmarks (``tongban seed synthetic``).

Names are built from the vocabularies of real implementation lists: a department, the object
of the service (食品经营许可, 住房公积金, 机动车驾驶证…), an action (核发, 变更, 延续, 注销,
提取…) and sometimes a qualifier (个人, 企业, 告知承诺制…). Each region gets its own
departments (code prefix ``SYN-``), items (code ``<region>-SYN-<n>``) with materials, legal
bases, conditions, process and fees, all published and indexed for search. The national base
items (``SYN-…``) are shared by every region. Running it again for a region replaces that
region's synthetic items; the same seed gives the same catalog.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tongban.catalog import search
from tongban.catalog.constants import (
    Channel,
    CrossRegionMode,
    HandlingType,
    ItemKind,
    ItemStatus,
    MaterialForm,
    MaterialSource,
    ReformMode,
    ResultForm,
    ServiceObject,
)
from tongban.catalog.models import BaseItem, Material, SearchTerm, ServiceItem
from tongban.regions.models import Department
from tongban.regions.selectors import region_get

CODE_MARK = "SYN"
DEPARTMENT_PREFIX = f"{CODE_MARK}-"


def item_code_prefix(region_code: str) -> str:
    """Codes of a region's synthetic items start with this."""
    return f"{region_code}-{CODE_MARK}-"


@dataclass(frozen=True)
class Action:
    verb: str
    handling: HandlingType
    kind: ItemKind | None = None  # None: the object's kind


@dataclass(frozen=True)
class Subject:
    name: str
    kind: ItemKind
    service_object: ServiceObject
    actions: str  # key of ACTIONS
    result_form: ResultForm
    result_name: str = ""
    law: str = ""


N, C, R, X, Q, OT = (
    HandlingType.NEW,
    HandlingType.CHANGE,
    HandlingType.RENEWAL,
    HandlingType.CANCELLATION,
    HandlingType.QUERY,
    HandlingType.OTHER,
)

ACTIONS: dict[str, tuple[Action, ...]] = {
    "licence": (
        Action("核发", N),
        Action("变更", C),
        Action("延续", R),
        Action("注销", X),
        Action("补发", OT),
        Action("换发", R),
    ),
    "registration": (
        Action("登记", N),
        Action("变更登记", C),
        Action("注销登记", X),
        Action("信息查询", Q, ItemKind.PUBLIC_SERVICE),
    ),
    "filing": (Action("备案", N), Action("变更备案", C), Action("注销备案", X)),
    "confirmation": (Action("认定", N), Action("确认", N), Action("复核", OT), Action("证明开具", Q)),
    "payment": (Action("申领", N), Action("发放", N), Action("变更", C), Action("停发", X)),
    "service": (Action("办理", N), Action("查询", Q), Action("证明开具", Q), Action("预约", OT), Action("变更", C)),
    "fund": (
        Action("缴存登记", N),
        Action("提取", OT),
        Action("个人住房贷款", N),
        Action("账户转移接续", C),
        Action("缴存证明开具", Q),
        Action("贷款提前还款", OT),
        Action("缴存基数调整", C),
        Action("账户封存", X),
        Action("账户启封", C),
        Action("信息查询", Q),
    ),
}

L, P, B = ServiceObject.NATURAL_PERSON, ServiceObject.LEGAL_PERSON, ServiceObject.BOTH
K = ItemKind
RF = ResultForm

# (department code, department name, subjects)
DEPARTMENTS: tuple[tuple[str, str, tuple[Subject, ...]], ...] = (
    (
        "GJJ",
        "住房公积金管理中心",
        (
            Subject(
                "住房公积金",
                K.PUBLIC_SERVICE,
                B,
                "fund",
                RF.INFORMATION,
                "住房公积金业务回执",
                "《住房公积金管理条例》",
            ),
            Subject(
                "灵活就业人员住房公积金", K.PUBLIC_SERVICE, L, "fund", RF.INFORMATION, "", "《住房公积金管理条例》"
            ),
            Subject("单位住房公积金", K.PUBLIC_SERVICE, P, "fund", RF.INFORMATION, "", "《住房公积金管理条例》"),
        ),
    ),
    (
        "GA",
        "公安局",
        (
            Subject(
                "机动车驾驶证",
                K.LICENSING,
                L,
                "licence",
                RF.LICENCE,
                "机动车驾驶证",
                "《中华人民共和国道路交通安全法》",
            ),
            Subject(
                "机动车登记",
                K.LICENSING,
                B,
                "registration",
                RF.LICENCE,
                "机动车登记证书",
                "《中华人民共和国道路交通安全法》",
            ),
            Subject(
                "居民身份证", K.PUBLIC_SERVICE, L, "service", RF.LICENCE, "居民身份证", "《中华人民共和国居民身份证法》"
            ),
            Subject(
                "户口迁移", K.PUBLIC_SERVICE, L, "service", RF.OTHER, "户口迁移证", "《中华人民共和国户口登记条例》"
            ),
            Subject("普通护照", K.LICENSING, L, "licence", RF.LICENCE, "普通护照", "《中华人民共和国护照法》"),
            Subject(
                "往来港澳通行证",
                K.LICENSING,
                L,
                "licence",
                RF.LICENCE,
                "往来港澳通行证",
                "《中国公民因私事往来香港地区或者澳门地区的暂行管理办法》",
            ),
            Subject("居住证", K.PUBLIC_SERVICE, L, "service", RF.LICENCE, "居住证", "《居住证暂行条例》"),
            Subject(
                "剧毒化学品购买许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "剧毒化学品购买许可证",
                "《危险化学品安全管理条例》",
            ),
        ),
    ),
    (
        "SCJG",
        "市场监督管理局",
        (
            Subject(
                "食品经营许可", K.LICENSING, P, "licence", RF.LICENCE, "食品经营许可证", "《中华人民共和国食品安全法》"
            ),
            Subject(
                "食品生产许可", K.LICENSING, P, "licence", RF.LICENCE, "食品生产许可证", "《中华人民共和国食品安全法》"
            ),
            Subject(
                "企业设立",
                K.LICENSING,
                P,
                "registration",
                RF.LICENCE,
                "营业执照",
                "《中华人民共和国市场主体登记管理条例》",
            ),
            Subject("个体工商户", K.LICENSING, L, "registration", RF.LICENCE, "营业执照", "《促进个体工商户发展条例》"),
            Subject(
                "农民专业合作社",
                K.LICENSING,
                P,
                "registration",
                RF.LICENCE,
                "营业执照",
                "《中华人民共和国农民专业合作社法》",
            ),
            Subject(
                "特种设备使用登记",
                K.LICENSING,
                P,
                "registration",
                RF.LICENCE,
                "特种设备使用登记证",
                "《中华人民共和国特种设备安全法》",
            ),
            Subject(
                "计量标准器具核准",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "计量标准考核证书",
                "《中华人民共和国计量法》",
            ),
            Subject(
                "广告发布登记",
                K.LICENSING,
                P,
                "registration",
                RF.LICENCE,
                "广告发布登记证明",
                "《中华人民共和国广告法》",
            ),
        ),
    ),
    (
        "RS",
        "人力资源和社会保障局",
        (
            Subject("失业保险金", K.PAYMENT, L, "payment", RF.PAYMENT, "", "《失业保险条例》"),
            Subject("基本养老保险待遇", K.PAYMENT, L, "payment", RF.PAYMENT, "", "《中华人民共和国社会保险法》"),
            Subject(
                "社会保障卡", K.PUBLIC_SERVICE, L, "service", RF.LICENCE, "社会保障卡", "《中华人民共和国社会保险法》"
            ),
            Subject(
                "就业创业证", K.PUBLIC_SERVICE, L, "service", RF.LICENCE, "就业创业证", "《中华人民共和国就业促进法》"
            ),
            Subject(
                "工伤认定",
                K.CONFIRMATION,
                B,
                "confirmation",
                RF.APPROVAL_DOCUMENT,
                "工伤认定决定书",
                "《工伤保险条例》",
            ),
            Subject(
                "人力资源服务许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "人力资源服务许可证",
                "《人力资源市场暂行条例》",
            ),
            Subject(
                "职业技能等级证书",
                K.PUBLIC_SERVICE,
                L,
                "service",
                RF.LICENCE,
                "职业技能等级证书",
                "《中华人民共和国劳动法》",
            ),
            Subject(
                "社会保险登记", K.PUBLIC_SERVICE, B, "registration", RF.INFORMATION, "", "《中华人民共和国社会保险法》"
            ),
        ),
    ),
    (
        "MZ",
        "民政局",
        (
            Subject("结婚登记", K.CONFIRMATION, L, "service", RF.LICENCE, "结婚证", "《婚姻登记条例》"),
            Subject("离婚登记", K.CONFIRMATION, L, "service", RF.LICENCE, "离婚证", "《婚姻登记条例》"),
            Subject("最低生活保障", K.PAYMENT, L, "payment", RF.PAYMENT, "", "《社会救助暂行办法》"),
            Subject(
                "社会团体",
                K.LICENSING,
                P,
                "registration",
                RF.LICENCE,
                "社会团体法人登记证书",
                "《社会团体登记管理条例》",
            ),
            Subject(
                "养老机构", K.FILING, P, "filing", RF.CERTIFICATE_OF_FILING, "", "《中华人民共和国老年人权益保障法》"
            ),
            Subject("残疾人两项补贴", K.PAYMENT, L, "payment", RF.PAYMENT, "", "《中华人民共和国残疾人保障法》"),
        ),
    ),
    (
        "WJ",
        "卫生健康委员会",
        (
            Subject(
                "医疗机构执业许可", K.LICENSING, P, "licence", RF.LICENCE, "医疗机构执业许可证", "《医疗机构管理条例》"
            ),
            Subject("医师执业注册", K.LICENSING, L, "licence", RF.LICENCE, "医师执业证书", "《中华人民共和国医师法》"),
            Subject("护士执业注册", K.LICENSING, L, "licence", RF.LICENCE, "护士执业证书", "《护士条例》"),
            Subject(
                "出生医学证明",
                K.PUBLIC_SERVICE,
                L,
                "service",
                RF.LICENCE,
                "出生医学证明",
                "《中华人民共和国母婴保健法》",
            ),
            Subject(
                "公共场所卫生许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "公共场所卫生许可证",
                "《公共场所卫生管理条例》",
            ),
            Subject(
                "母婴保健技术服务执业许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "母婴保健技术服务执业许可证",
                "《中华人民共和国母婴保健法》",
            ),
        ),
    ),
    (
        "ZJ",
        "住房和城乡建设委员会",
        (
            Subject(
                "建筑工程施工许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "建筑工程施工许可证",
                "《中华人民共和国建筑法》",
            ),
            Subject(
                "建筑业企业资质",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "建筑业企业资质证书",
                "《中华人民共和国建筑法》",
            ),
            Subject(
                "商品房预售许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "商品房预售许可证",
                "《城市商品房预售管理办法》",
            ),
            Subject(
                "房屋租赁",
                K.FILING,
                B,
                "filing",
                RF.CERTIFICATE_OF_FILING,
                "房屋租赁登记备案证明",
                "《商品房屋租赁管理办法》",
            ),
            Subject(
                "公共租赁住房", K.PUBLIC_SERVICE, L, "service", RF.APPROVAL_DOCUMENT, "", "《公共租赁住房管理办法》"
            ),
            Subject(
                "建设工程消防验收", K.LICENSING, P, "licence", RF.APPROVAL_DOCUMENT, "", "《中华人民共和国消防法》"
            ),
        ),
    ),
    (
        "GH",
        "规划和自然资源局",
        (
            Subject(
                "建设工程规划许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "建设工程规划许可证",
                "《中华人民共和国城乡规划法》",
            ),
            Subject(
                "建设用地规划许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "建设用地规划许可证",
                "《中华人民共和国城乡规划法》",
            ),
            Subject("不动产", K.CONFIRMATION, B, "registration", RF.LICENCE, "不动产权证书", "《不动产登记暂行条例》"),
            Subject("采矿权", K.LICENSING, P, "licence", RF.LICENCE, "采矿许可证", "《中华人民共和国矿产资源法》"),
            Subject(
                "乡村建设规划许可",
                K.LICENSING,
                B,
                "licence",
                RF.LICENCE,
                "乡村建设规划许可证",
                "《中华人民共和国城乡规划法》",
            ),
        ),
    ),
    (
        "JT",
        "交通运输委员会",
        (
            Subject(
                "道路旅客运输经营许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "道路运输经营许可证",
                "《中华人民共和国道路运输条例》",
            ),
            Subject(
                "道路货物运输经营许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "道路运输经营许可证",
                "《中华人民共和国道路运输条例》",
            ),
            Subject(
                "网络预约出租汽车驾驶员证",
                K.LICENSING,
                L,
                "licence",
                RF.LICENCE,
                "网络预约出租汽车驾驶员证",
                "《网络预约出租汽车经营服务管理暂行办法》",
            ),
            Subject(
                "道路运输从业人员从业资格",
                K.LICENSING,
                L,
                "licence",
                RF.LICENCE,
                "从业资格证",
                "《中华人民共和国道路运输条例》",
            ),
            Subject(
                "超限运输车辆行驶公路许可", K.LICENSING, B, "licence", RF.APPROVAL_DOCUMENT, "", "《公路安全保护条例》"
            ),
        ),
    ),
    (
        "SW",
        "税务局",
        (
            Subject(
                "税务", K.PUBLIC_SERVICE, B, "registration", RF.INFORMATION, "", "《中华人民共和国税收征收管理法》"
            ),
            Subject("增值税专用发票", K.LICENSING, P, "service", RF.OTHER, "", "《中华人民共和国发票管理办法》"),
            Subject(
                "个人所得税专项附加扣除",
                K.PUBLIC_SERVICE,
                L,
                "service",
                RF.INFORMATION,
                "",
                "《中华人民共和国个人所得税法》",
            ),
            Subject(
                "纳税证明",
                K.PUBLIC_SERVICE,
                B,
                "service",
                RF.INFORMATION,
                "纳税证明",
                "《中华人民共和国税收征收管理法》",
            ),
        ),
    ),
    (
        "YB",
        "医疗保障局",
        (
            Subject(
                "城乡居民基本医疗保险",
                K.PUBLIC_SERVICE,
                L,
                "registration",
                RF.INFORMATION,
                "",
                "《中华人民共和国社会保险法》",
            ),
            Subject("异地就医", K.FILING, L, "filing", RF.CERTIFICATE_OF_FILING, "", "《中华人民共和国社会保险法》"),
            Subject("医疗费用手工报销", K.PAYMENT, L, "payment", RF.PAYMENT, "", "《医疗保障基金使用监督管理条例》"),
            Subject(
                "门诊慢特病待遇",
                K.CONFIRMATION,
                L,
                "confirmation",
                RF.APPROVAL_DOCUMENT,
                "",
                "《医疗保障基金使用监督管理条例》",
            ),
            Subject("生育保险待遇", K.PAYMENT, L, "payment", RF.PAYMENT, "", "《中华人民共和国社会保险法》"),
        ),
    ),
    (
        "JY",
        "教育委员会",
        (
            Subject("教师资格", K.LICENSING, L, "confirmation", RF.LICENCE, "教师资格证书", "《中华人民共和国教师法》"),
            Subject(
                "民办学校办学许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "民办学校办学许可证",
                "《中华人民共和国民办教育促进法》",
            ),
            Subject("义务教育入学", K.PUBLIC_SERVICE, L, "service", RF.INFORMATION, "", "《中华人民共和国义务教育法》"),
            Subject(
                "学历证明", K.PUBLIC_SERVICE, L, "service", RF.INFORMATION, "学历证明书", "《中华人民共和国高等教育法》"
            ),
        ),
    ),
    (
        "ST",
        "生态环境局",
        (
            Subject("排污许可", K.LICENSING, P, "licence", RF.LICENCE, "排污许可证", "《排污许可管理条例》"),
            Subject(
                "建设项目环境影响评价文件审批",
                K.LICENSING,
                P,
                "licence",
                RF.APPROVAL_DOCUMENT,
                "",
                "《中华人民共和国环境影响评价法》",
            ),
            Subject(
                "危险废物经营许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "危险废物经营许可证",
                "《中华人民共和国固体废物污染环境防治法》",
            ),
            Subject(
                "辐射安全许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "辐射安全许可证",
                "《放射性同位素与射线装置安全和防护条例》",
            ),
        ),
    ),
    (
        "WL",
        "文化和旅游局",
        (
            Subject(
                "娱乐场所经营许可", K.LICENSING, P, "licence", RF.LICENCE, "娱乐经营许可证", "《娱乐场所管理条例》"
            ),
            Subject(
                "旅行社业务经营许可", K.LICENSING, P, "licence", RF.LICENCE, "旅行社业务经营许可证", "《旅行社条例》"
            ),
            Subject("营业性演出许可", K.LICENSING, P, "licence", RF.APPROVAL_DOCUMENT, "", "《营业性演出管理条例》"),
            Subject("导游证", K.LICENSING, L, "licence", RF.LICENCE, "导游证", "《导游人员管理条例》"),
        ),
    ),
    (
        "NY",
        "农业农村委员会",
        (
            Subject("农药经营许可", K.LICENSING, P, "licence", RF.LICENCE, "农药经营许可证", "《农药管理条例》"),
            Subject("兽药经营许可", K.LICENSING, P, "licence", RF.LICENCE, "兽药经营许可证", "《兽药管理条例》"),
            Subject(
                "动物防疫条件合格证",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "动物防疫条件合格证",
                "《中华人民共和国动物防疫法》",
            ),
            Subject(
                "农村宅基地", K.LICENSING, L, "registration", RF.APPROVAL_DOCUMENT, "", "《中华人民共和国土地管理法》"
            ),
            Subject("耕地地力保护补贴", K.PAYMENT, L, "payment", RF.PAYMENT, "", "《中华人民共和国农业法》"),
        ),
    ),
    (
        "YJ",
        "应急管理局",
        (
            Subject(
                "危险化学品经营许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "危险化学品经营许可证",
                "《危险化学品安全管理条例》",
            ),
            Subject(
                "烟花爆竹经营许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "烟花爆竹经营许可证",
                "《烟花爆竹安全管理条例》",
            ),
            Subject(
                "生产安全事故应急预案", K.FILING, P, "filing", RF.CERTIFICATE_OF_FILING, "", "《生产安全事故应急条例》"
            ),
        ),
    ),
    (
        "SF",
        "司法局",
        (
            Subject("律师执业许可", K.LICENSING, L, "licence", RF.LICENCE, "律师执业证", "《中华人民共和国律师法》"),
            Subject(
                "法律援助", K.PUBLIC_SERVICE, L, "service", RF.APPROVAL_DOCUMENT, "", "《中华人民共和国法律援助法》"
            ),
            Subject("公证员执业", K.LICENSING, L, "licence", RF.LICENCE, "公证员执业证", "《中华人民共和国公证法》"),
            Subject(
                "基层法律服务工作者执业",
                K.LICENSING,
                L,
                "licence",
                RF.LICENCE,
                "基层法律服务工作者执业证",
                "《基层法律服务工作者管理办法》",
            ),
        ),
    ),
    (
        "TY",
        "退役军人事务局",
        (
            Subject(
                "退役士兵自主就业一次性经济补助金", K.PAYMENT, L, "payment", RF.PAYMENT, "", "《退役士兵安置条例》"
            ),
            Subject("烈士褒扬金", K.PAYMENT, L, "payment", RF.PAYMENT, "", "《烈士褒扬条例》"),
            Subject(
                "优待证",
                K.PUBLIC_SERVICE,
                L,
                "service",
                RF.LICENCE,
                "中华人民共和国优待证",
                "《中华人民共和国退役军人保障法》",
            ),
        ),
    ),
    (
        "CG",
        "城市管理委员会",
        (
            Subject(
                "城市道路占用挖掘许可", K.LICENSING, B, "licence", RF.APPROVAL_DOCUMENT, "", "《城市道路管理条例》"
            ),
            Subject(
                "户外广告设施设置许可",
                K.LICENSING,
                P,
                "licence",
                RF.APPROVAL_DOCUMENT,
                "",
                "《城市市容和环境卫生管理条例》",
            ),
            Subject(
                "城市建筑垃圾处置核准", K.LICENSING, P, "licence", RF.APPROVAL_DOCUMENT, "", "《城市建筑垃圾管理规定》"
            ),
            Subject("燃气经营许可", K.LICENSING, P, "licence", RF.LICENCE, "燃气经营许可证", "《城镇燃气管理条例》"),
        ),
    ),
    (
        "SWJ",
        "水务局",
        (
            Subject(
                "取水许可", K.LICENSING, B, "licence", RF.LICENCE, "取水许可证", "《取水许可和水资源费征收管理条例》"
            ),
            Subject(
                "城镇污水排入排水管网许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "排水许可证",
                "《城镇排水与污水处理条例》",
            ),
            Subject(
                "生产建设项目水土保持方案审批",
                K.LICENSING,
                P,
                "licence",
                RF.APPROVAL_DOCUMENT,
                "",
                "《中华人民共和国水土保持法》",
            ),
        ),
    ),
    (
        "SWU",
        "商务局",
        (
            Subject(
                "对外贸易经营者", K.FILING, P, "filing", RF.CERTIFICATE_OF_FILING, "", "《中华人民共和国对外贸易法》"
            ),
            Subject(
                "单用途商业预付卡",
                K.FILING,
                P,
                "filing",
                RF.CERTIFICATE_OF_FILING,
                "",
                "《单用途商业预付卡管理办法（试行）》",
            ),
            Subject(
                "成品油零售经营资格",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "成品油零售经营批准证书",
                "《成品油市场管理办法》",
            ),
        ),
    ),
    (
        "CL",
        "残疾人联合会",
        (
            Subject(
                "残疾人证",
                K.PUBLIC_SERVICE,
                L,
                "service",
                RF.LICENCE,
                "中华人民共和国残疾人证",
                "《中华人民共和国残疾人保障法》",
            ),
            Subject("残疾人就业保障金", K.LEVY, P, "service", RF.PAYMENT, "", "《残疾人就业保障金征收使用管理办法》"),
        ),
    ),
    (
        "XF",
        "消防救援支队",
        (
            Subject(
                "公众聚集场所投入使用营业前消防安全检查",
                K.LICENSING,
                P,
                "licence",
                RF.APPROVAL_DOCUMENT,
                "",
                "《中华人民共和国消防法》",
            ),
            Subject("消防产品", K.FILING, P, "filing", RF.CERTIFICATE_OF_FILING, "", "《中华人民共和国消防法》"),
        ),
    ),
    (
        "TJ",
        "体育局",
        (
            Subject(
                "高危险性体育项目经营许可",
                K.LICENSING,
                P,
                "licence",
                RF.LICENCE,
                "高危险性体育项目经营许可证",
                "《全民健身条例》",
            ),
            Subject("社会体育指导员技术等级", K.CONFIRMATION, L, "confirmation", RF.LICENCE, "", "《全民健身条例》"),
        ),
    ),
)

QUALIFIERS: tuple[tuple[str, ServiceObject | None], ...] = (
    ("", None),
    ("（个人）", L),
    ("（企业）", P),
    ("（告知承诺制）", None),
    ("（首次申请）", None),
    ("（跨省通办）", None),
    ("（港澳台居民）", L),
    ("（外籍人员）", L),
    ("（容缺受理）", None),
    ("（简易程序）", None),
    ("（一般程序）", None),
    ("（网上办理）", None),
)

MATERIALS: tuple[tuple[str, MaterialSource, str], ...] = (
    ("申请表", MaterialSource.APPLICANT, ""),
    ("居民身份证", MaterialSource.GOVERNMENT, "resident_id"),
    ("户口簿", MaterialSource.GOVERNMENT, ""),
    ("营业执照", MaterialSource.GOVERNMENT, "business_licence"),
    ("授权委托书", MaterialSource.APPLICANT, ""),
    ("法定代表人身份证明", MaterialSource.APPLICANT, ""),
    ("不动产权证书", MaterialSource.GOVERNMENT, "real_estate"),
    ("房屋租赁合同", MaterialSource.APPLICANT, ""),
    ("劳动合同", MaterialSource.APPLICANT, ""),
    ("结婚证", MaterialSource.GOVERNMENT, "marriage"),
    ("出生医学证明", MaterialSource.GOVERNMENT, "birth_certificate"),
    ("近期免冠彩色照片", MaterialSource.APPLICANT, ""),
    ("场所平面布局图", MaterialSource.APPLICANT, ""),
    ("相关专业技术人员资格证明", MaterialSource.GOVERNMENT, ""),
    ("检验检测报告", MaterialSource.INTERMEDIARY, ""),
    ("安全管理制度", MaterialSource.APPLICANT, ""),
    ("医疗费用票据", MaterialSource.OTHER, ""),
    ("银行账户信息", MaterialSource.OTHER, ""),
    ("购房合同", MaterialSource.APPLICANT, ""),
    ("原证件", MaterialSource.GOVERNMENT, ""),
)

CONDITIONS: tuple[str, ...] = (
    "申请人具有完全民事行为能力",
    "申请人为依法设立的市场主体",
    "具有与经营项目相适应的场所和设施",
    "具有相应的专业技术人员和管理制度",
    "符合国家和本市规定的其他条件",
    "申请人在本市连续缴存满六个月",
    "无不良信用记录",
    "属于本行政区域内的户籍或常住人口",
)

PROCESS: tuple[str, ...] = ("申请", "受理", "审查", "决定", "送达")

CROSS_REGION_WEIGHTS = (
    (CrossRegionMode.NONE, 55),
    (CrossRegionMode.ONLINE, 25),
    (CrossRegionMode.PROXY_RECEIPT, 15),
    (CrossRegionMode.JOINT, 5),
)
REFORM_WEIGHTS = (
    (ReformMode.NONE, 60),
    (ReformMode.OPTIMISE, 20),
    (ReformMode.COMMITMENT, 12),
    (ReformMode.FILING, 6),
    (ReformMode.CANCEL, 2),
)


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


@dataclass(frozen=True)
class _Plan:
    dept_code: str
    subject: Subject
    action: Action
    base_code: str
    base_name: str
    name: str
    service_object: ServiceObject


def _plans(count: int, rng: random.Random, district_names: list[str]) -> list[_Plan]:
    """``count`` distinct item names: every subject × action × qualifier, then per district."""
    bases: list[tuple[str, Subject, Action, str, str]] = []
    for dept_code, _dept_name, subjects in DEPARTMENTS:
        for si, subject in enumerate(subjects):
            for ai, action in enumerate(ACTIONS[subject.actions]):
                base_code = f"{CODE_MARK}-{dept_code}-{si + 1:02d}{ai + 1:02d}"
                bases.append((dept_code, subject, action, base_code, subject.name + action.verb))
    plans: list[_Plan] = []
    for suffix in [""] + [f"（{d}）" for d in district_names]:
        for qualifier, obj in QUALIFIERS:
            for dept_code, subject, action, base_code, base_name in bases:
                if obj is not None and subject.service_object not in (obj, ServiceObject.BOTH):
                    continue  # a 企业 qualifier on an item for persons only would make no sense
                plans.append(
                    _Plan(
                        dept_code=dept_code,
                        subject=subject,
                        action=action,
                        base_code=base_code,
                        base_name=base_name,
                        name=base_name + qualifier + suffix,
                        service_object=obj or subject.service_object,
                    )
                )
        if len(plans) >= count:
            break
    # keep every plain base name, then a seeded sample of the qualified variants
    head, tail = plans[: len(bases)], plans[len(bases) :]
    rng.shuffle(tail)
    chosen = (head + tail)[:count]
    if len(chosen) < count:
        raise ValueError(f"the vocabularies give only {len(chosen)} distinct names")
    return chosen


@transaction.atomic
def generate(*, items: int, region_code: str | None, seed: int) -> int:
    """Replace the synthetic items of a region with ``items`` new published, indexed ones."""
    if items < 0:
        raise ValueError("items must be 0 or more")
    region = region_get(code=region_code or settings.TONGBAN_REGION)
    rng = random.Random(f"{seed}:{region.code}")
    now = timezone.now()

    old = ServiceItem.objects.filter(region=region, code__startswith=item_code_prefix(region.code))
    SearchTerm.objects.filter(item__in=old).delete()
    Material.objects.filter(item__in=old).delete()
    ServiceItem.themes.through.objects.filter(serviceitem__in=old).delete()
    old.delete()
    if items == 0:
        return 0

    departments: dict[str, Department] = {}
    for code, name, _subjects in DEPARTMENTS:
        dept, _created = Department.objects.update_or_create(
            region=region,
            code=DEPARTMENT_PREFIX + code,
            defaults={
                "name": region.name + name,
                "short_name": name,
                "phone": "12345",
                "office_hours": "工作日 9:00-17:00",
                "address": f"{region.name}政务服务中心",
            },
        )
        departments[code] = dept

    districts = list(region.children.values_list("name", flat=True)) or [f"第{n}分中心" for n in range(1, 31)]
    plans = _plans(items, rng, districts)

    dept_names = {code: name for code, name, _s in DEPARTMENTS}
    BaseItem.objects.bulk_create(
        [
            BaseItem(
                base_code=p.base_code,
                name=p.base_name,
                kind=p.action.kind or p.subject.kind,
                competent_department=dept_names[p.dept_code],
                implementing_level="省级、市级、县级",
                legal_basis=[{"law": p.subject.law, "article": ""}] if p.subject.law else [],
            )
            for p in {p.base_code: p for p in plans}.values()
        ],
        ignore_conflicts=True,
    )
    bases = {b.base_code: b for b in BaseItem.objects.filter(base_code__startswith=f"{CODE_MARK}-")}

    prefix = item_code_prefix(region.code)
    new_items: list[ServiceItem] = []
    for n, plan in enumerate(plans, start=1):
        base = bases[plan.base_code]
        dept = departments[plan.dept_code]
        legal = rng.choice((5, 10, 15, 20, 30, 45, 60))
        promised = max(0, min(legal, rng.choice((0, 1, 3, 5, 7, 10, 15))))
        cross = _weighted(rng, CROSS_REGION_WEIGHTS)
        reform = _weighted(rng, REFORM_WEIGHTS)
        depth = 4 if cross == CrossRegionMode.ONLINE else rng.choice((2, 3, 3, 4, 4))
        channels = [Channel.ONLINE, Channel.WINDOW] + ([Channel.MOBILE] if rng.random() < 0.6 else [])
        article = f"第{rng.randint(2, 60)}条"
        legal_basis = [{"law": plan.subject.law, "article": article, "text": ""}] if plan.subject.law else []
        content = (
            f"{dept.name}依法办理{plan.name}。申请人可通过政务服务网、移动端或政务服务中心综合窗口提出申请，"
            f"经受理、审查后在{promised or legal}个工作日内作出决定"
            + (f"，结果为{plan.subject.result_name}。" if plan.subject.result_name else "。")
        )
        new_items.append(
            ServiceItem(
                code=f"{prefix}{n:05d}",
                version=1,
                status=ItemStatus.PUBLISHED,
                published_at=now,
                base=base,
                region=region,
                department=dept,
                name=plan.name,
                kind=base.kind,
                handling_type=plan.action.handling,
                service_object=plan.service_object,
                content=content,
                conditions=rng.sample(CONDITIONS, k=rng.randint(1, 3)),
                legal_basis=legal_basis,
                legal_limit_days=legal,
                promised_limit_days=promised,
                fees=[] if rng.random() < 0.85 else [{"name": "工本费", "amount": "10元", "basis": ""}],
                result_form=plan.subject.result_form,
                result_name=plan.subject.result_name,
                channels=channels,
                handling_place=f"{region.name}政务服务中心{rng.randint(1, 4)}楼综合窗口",
                office_hours="工作日上午9:00-12:00，下午13:30-17:00",
                visits_needed=0 if depth == 4 else rng.choice((0, 1, 1, 2)),
                online_depth=depth,
                cross_region_mode=cross,
                reform_mode=reform,
                commitment_allowed=reform == ReformMode.COMMITMENT,
                commitment_text="申请人承诺所提交材料真实有效。" if reform == ReformMode.COMMITMENT else "",
                gap_acceptance_allowed=rng.random() < 0.3,
                process=[{"name": step, "description": ""} for step in PROCESS],
                consultation_phone="12345",
                complaint_phone="12345",
            )
        )
    created = ServiceItem.objects.bulk_create(new_items, batch_size=500)
    if created and created[0].pk is None:  # a backend without RETURNING: read the ids back
        created = list(ServiceItem.objects.filter(region=region, code__startswith=prefix).select_related("department"))

    materials: list[Material] = []
    for item in created:
        picked = rng.sample(MATERIALS, k=rng.randint(2, 5))
        for order, (name, source, licence) in enumerate(picked, start=1):
            materials.append(
                Material(
                    item_id=item.pk,
                    order=order,
                    code=f"M{order:02d}",
                    name=name,
                    form=MaterialForm.ORIGINAL if source == MaterialSource.GOVERNMENT else MaterialForm.ELECTRONIC,
                    required=order <= 2 or rng.random() < 0.6,
                    gap_allowed=order > 2 and item.gap_acceptance_allowed,
                    source=source,
                    licence_type_code=licence,
                )
            )
    Material.objects.bulk_create(materials, batch_size=2000)
    search.reindex_items(created, theme_names={})
    _refresh_statistics()
    return len(created)


def _refresh_statistics() -> None:
    """After a bulk load the planner's statistics are stale: refresh them as autovacuum would."""
    tables = [ServiceItem._meta.db_table, SearchTerm._meta.db_table, Material._meta.db_table]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))
        elif connection.vendor == "sqlite":
            for table in tables:
                cursor.execute("ANALYZE " + connection.ops.quote_name(table))
