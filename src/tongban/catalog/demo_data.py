"""Demo catalog content: themes, national base items and the regional implementations of 京津冀.

Each :class:`ItemSpec` describes one national base item together with its implementation in
Beijing (110000), Tianjin (120000) and Hebei (130000). ``overrides`` holds what a region does
differently. Some differences touch the six 六统一 elements on purpose (a longer name, an extra
material, an older law cited, another result document), so the uniformity comparison has
something to find; others (promised limits, reform mode, fees) do not.

The items named in the source documents are here (住房公积金查询, 社会组织查询, 律师执业证查询,
社会保险个人权益记录查询 — 一网通办; 农药经营许可, 种畜禽生产经营许可证核发, 计量标准器具核准,
医师执业注册, 设立文物商店审批 — 异地可办; 户口迁移, 养老保险关系转移接续, 住房公积金转移接续 —
多地联办), with 企业设立登记（营业执照） and 职业资格证书查验.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from tongban.catalog.constants import (
    CrossRegionMode,
    HandlingType,
    ItemKind,
    MaterialForm,
    MaterialSource,
    OnlineDepth,
    ReformMode,
    ResultForm,
    ServiceObject,
    SpecialStepKind,
    ThemeAudience,
)

DEMO_REGIONS: tuple[str, ...] = ("110000", "120000", "130000")

# Kind → the abbreviation used in implementation codes (许可 XK, 确认 QR, 给付 JF, 备案 BA, 公共服务 GG).
KIND_ABBREVIATION: dict[str, str] = {
    ItemKind.LICENSING: "XK",
    ItemKind.CONFIRMATION: "QR",
    ItemKind.PAYMENT: "JF",
    ItemKind.ADJUDICATION: "CJ",
    ItemKind.LEVY: "ZS",
    ItemKind.REWARD: "JL",
    ItemKind.FILING: "BA",
    ItemKind.OTHER_POWER: "QT",
    ItemKind.PUBLIC_SERVICE: "GG",
}

# (code, name, English name, audience, description)
THEMES: list[tuple[str, str, str, str, str]] = [
    ("newborn", "新生儿出生", "Birth of a child", ThemeAudience.PERSONAL, "出生医学证明、出生登记、参保、社保卡一次办"),
    (
        "employment",
        "就业创业",
        "Work and starting a business",
        ThemeAudience.PERSONAL,
        "失业登记、失业保险金、创业担保贷款",
    ),
    ("retirement", "退休养老", "Retirement", ThemeAudience.PERSONAL, "养老金申领、高龄津贴、养老保险关系转移"),
    ("migration", "户籍迁移", "Moving residence", ThemeAudience.PERSONAL, "户口迁移、居住证、身份证异地办理"),
    ("housing", "住房安居", "Housing", ThemeAudience.PERSONAL, "住房公积金查询、提取、转移接续"),
    ("medical", "就医保障", "Healthcare", ThemeAudience.PERSONAL, "医保参保、转移接续、异地就医备案"),
    ("marriage", "婚姻家庭", "Marriage and family", ThemeAudience.PERSONAL, "结婚登记及相关服务"),
    ("profession", "职业执业", "Professional practice", ThemeAudience.PERSONAL, "医师、护士、律师执业及资格查验"),
    (
        "start_business",
        "开办企业",
        "Starting a business",
        ThemeAudience.ENTERPRISE,
        "营业执照、印章、社保和公积金登记一次办",
    ),
    ("permits", "准营准办", "Operating permits", ThemeAudience.ENTERPRISE, "取得营业执照后从事特定经营活动的许可"),
    ("operation", "经营发展", "Running a business", ThemeAudience.ENTERPRISE, "变更登记、设备登记、员工招聘"),
    ("closing", "企业注销", "Closing a business", ThemeAudience.ENTERPRISE, "注销登记及相关事项"),
]


@dataclass(frozen=True)
class MaterialSpec:
    code: str
    name: str
    form: str = MaterialForm.ORIGINAL
    count: int = 1
    required: bool = True
    gap_allowed: bool = False
    source: str = MaterialSource.APPLICANT
    source_note: str = ""
    licence_type_code: str = ""
    data_resource_code: str = ""
    data_fields: tuple[str, ...] = ()
    applies_when: tuple[str, ...] = ()
    notes: str = ""


def m(code: str, name: str, **kwargs: Any) -> MaterialSpec:
    return MaterialSpec(code=code, name=name, **kwargs)


# Materials many items ask for.
SFZ = m(
    "sfz",
    "申请人居民身份证",
    licence_type_code="sfz",
    data_resource_code="gaj_jmsfz",
    source=MaterialSource.GOVERNMENT,
    source_note="公安机关",
)
HKB = m(
    "hkb",
    "居民户口簿",
    licence_type_code="hkb",
    data_resource_code="gaj_hjxx",
    source=MaterialSource.GOVERNMENT,
    source_note="公安机关",
)
YYZZ = m(
    "yyzz",
    "营业执照",
    licence_type_code="yyzz",
    data_resource_code="scjg_qydj",
    source=MaterialSource.GOVERNMENT,
    source_note="市场监督管理部门",
)
FDDB = m(
    "fddbsfz",
    "法定代表人身份证件",
    licence_type_code="sfz",
    data_resource_code="gaj_jmsfz",
    source=MaterialSource.GOVERNMENT,
    source_note="公安机关",
)
WTS = m("wts", "授权委托书及受托人身份证件", required=False, applies_when=("agent=yes",), notes="委托他人办理的提供")
SQB = m("sqb", "申请表", notes="可在线填写，系统自动生成")

AGENT_SITUATION: dict[str, Any] = {
    "code": "agent",
    "question": "是否委托他人代为办理？",
    "options": [{"code": "no", "label": "本人办理"}, {"code": "yes", "label": "委托他人办理"}],
}

PERSON_FIELDS: list[dict[str, Any]] = [
    {"name": "applicant_name", "label": "申请人姓名", "type": "text", "required": True, "max_length": 60},
    {"name": "id_number", "label": "公民身份号码", "type": "id_number", "required": True},
    {"name": "phone", "label": "联系电话", "type": "text", "required": True, "max_length": 20},
    {"name": "address", "label": "联系地址", "type": "address", "required": False},
]
ENTERPRISE_FIELDS: list[dict[str, Any]] = [
    {"name": "enterprise_name", "label": "单位名称", "type": "text", "required": True, "max_length": 200},
    {"name": "uscc", "label": "统一社会信用代码", "type": "uscc", "required": True},
    {"name": "legal_representative", "label": "法定代表人", "type": "text", "required": True, "max_length": 60},
    {"name": "contact_phone", "label": "联系电话", "type": "text", "required": True, "max_length": 20},
    {"name": "address", "label": "住所（经营场所）", "type": "address", "required": True},
]

FREE: list[dict[str, str]] = [{"name": "不收费", "amount": "0"}]


def law(name: str, article: str = "", text: str = "") -> dict[str, str]:
    return {"law": name, "article": article, "text": text}


def step(name: str, description: str = "", days: int | None = None) -> dict[str, Any]:
    return {"name": name, "description": description, "time_limit_days": days}


def special(
    kind: str, name: str, days: int, basis: str = "", counts: bool = False, fee: str = "不收费"
) -> dict[str, Any]:
    return {
        "kind": kind,
        "name": name,
        "time_limit_days": days,
        "legal_basis": basis,
        "fee": fee,
        "counts_toward_limit": counts,
    }


def faq(question: str, answer: str) -> dict[str, str]:
    return {"question": question, "answer": answer}


def licensing_process(review_days: int) -> list[dict[str, Any]]:
    return [
        step("申请", "申请人通过网上办事大厅或窗口提交申请材料"),
        step("受理", "窗口对材料进行形式审查，材料齐全、符合法定形式的当场受理", 1),
        step("审查", "审批人员对申请材料进行实质审查，需要现场核查的组织核查", review_days),
        step("决定", "作出准予或不予行政许可的书面决定", 1),
        step("送达", "电子证照即时推送，纸质结果邮寄或窗口领取"),
    ]


QUERY_PROCESS: list[dict[str, Any]] = [
    step("登录", "通过统一身份认证登录网上办事大厅或移动端"),
    step("查询", "选择查询事项，系统实时返回查询结果", 0),
]

SERVICE_PROCESS: list[dict[str, Any]] = [
    step("申请", "在线或到窗口提交申请"),
    step("受理审核", "经办机构审核申请及材料"),
    step("办结", "办理结果在线反馈，可在个人空间查看"),
]


@dataclass(frozen=True)
class ItemSpec:
    key: str
    base_code: str
    name: str
    kind: str
    department: str
    competent_department: str
    service_object: str
    content: str
    conditions: list[str]
    legal_basis: list[dict[str, str]]
    base_legal_basis: list[dict[str, str]] | None
    materials: list[MaterialSpec]
    legal_limit: int
    promised: int
    result_form: str
    result_name: str
    themes: list[str]
    name_en: str = ""
    handling_type: str = HandlingType.NEW
    implementing_level: str = "省级、市级"
    limit_note: str = ""
    fees: list[dict[str, str]] = field(default_factory=lambda: list(FREE))
    licence_type_code: str = ""
    channels: list[str] = field(default_factory=lambda: ["online", "mobile", "window"])
    visits: int = 0
    online_depth: int = OnlineDepth.FULL
    cross_region_mode: str = CrossRegionMode.NONE
    reform_mode: str = ReformMode.NONE
    commitment_allowed: bool = False
    commitment_text: str = ""
    gap_allowed: bool = False
    special_steps: list[dict[str, Any]] = field(default_factory=list)
    process: list[dict[str, Any]] = field(default_factory=list)
    faq: list[dict[str, str]] = field(default_factory=list)
    situations: list[dict[str, Any]] = field(default_factory=list)
    form_fields: list[dict[str, Any]] = field(default_factory=list)
    service_commitments: str = ""
    regions: tuple[str, ...] = DEMO_REGIONS
    suffix: int = 1
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def for_region(self, region: str) -> ItemSpec:
        """This spec with the region's overrides applied (``extra_materials``, ``drop_materials`` too)."""
        changes = dict(self.overrides.get(region, {}))
        extra: list[MaterialSpec] = changes.pop("extra_materials", [])
        drop: set[str] = set(changes.pop("drop_materials", []))
        spec = replace(self, **changes) if changes else self
        if extra or drop:
            spec = replace(spec, materials=[mt for mt in spec.materials if mt.code not in drop] + list(extra))
        return spec

    def code_in(self, region: str) -> str:
        return f"{region}-{self.base_code}-{KIND_ABBREVIATION[self.kind]}-{self.suffix:03d}"


COMMITMENT_PESTICIDE = (
    "本人（单位）郑重承诺：已知晓农药经营许可的全部条件和要求；所填写的信息和提交的材料真实、准确、完整；"
    "经营场所、仓储场所、专业技术人员、管理制度均符合《农药管理条例》和《农药经营许可管理办法》规定；"
    "愿意接受发证机关的事中事后核查。如有虚假承诺，自愿承担撤销许可、列入失信名单等法律责任。"
)
COMMITMENT_GENERIC = (
    "本人（单位）郑重承诺：申请人已经知晓审批部门告知的全部内容；申请人具备审批部门告知的条件和要求；"
    "所提交材料真实有效；愿意承担不实承诺的法律责任，接受审批部门的事中事后监管。"
)

PERSONAL_Q_FAQ = faq("查询结果与实际不符怎么办？", "请携带身份证件到经办机构服务窗口核实，或拨打12345热线反映。")
CROSS_FAQ = faq(
    "在外地能否办理？", "京津冀三地任一政务服务中心“跨省通办”窗口均可代收申请材料，由业务属地部门审批后寄递结果。"
)


ITEMS: list[ItemSpec] = [
    # ---------------------------------------------------------------- 一网通办: queries
    ItemSpec(
        key="hpf_query",
        base_code="000131001000",
        name="住房公积金查询",
        name_en="Housing provident fund account inquiry",
        kind=ItemKind.PUBLIC_SERVICE,
        handling_type=HandlingType.QUERY,
        department="hpf",
        competent_department="住房和城乡建设部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="缴存职工查询本人住房公积金账户余额、缴存明细、提取及贷款信息",
        conditions=["已在本地缴存住房公积金的职工"],
        legal_basis=[
            law("《住房公积金管理条例》", "第三十四条", "职工、单位有权查询本人、本单位住房公积金的缴存、提取情况。")
        ],
        base_legal_basis=None,
        materials=[SFZ],
        legal_limit=0,
        promised=0,
        limit_note="即时办结",
        result_form=ResultForm.INFORMATION,
        result_name="住房公积金账户信息",
        themes=["housing"],
        channels=["online", "mobile", "self_service", "window"],
        cross_region_mode=CrossRegionMode.ONLINE,
        process=QUERY_PROCESS,
        faq=[PERSONAL_Q_FAQ, faq("可以查询异地缴存的公积金吗？", "可通过全国住房公积金小程序查询在各地的缴存信息。")],
        form_fields=PERSON_FIELDS[:2],
    ),
    ItemSpec(
        key="social_org_query",
        base_code="000108001000",
        name="社会组织查询",
        name_en="Social organisation registration inquiry",
        kind=ItemKind.PUBLIC_SERVICE,
        handling_type=HandlingType.QUERY,
        department="civil",
        competent_department="民政部",
        service_object=ServiceObject.BOTH,
        content="查询社会团体、民办非企业单位（社会服务机构）、基金会的登记信息、年度检查结果和活动异常名录",
        conditions=["无"],
        legal_basis=[law("《社会团体登记管理条例》", "第六条"), law("《民办非企业单位登记管理暂行条例》", "第五条")],
        base_legal_basis=None,
        materials=[],
        legal_limit=0,
        promised=0,
        limit_note="即时办结",
        result_form=ResultForm.INFORMATION,
        result_name="社会组织登记信息",
        themes=[],
        channels=["online", "mobile"],
        cross_region_mode=CrossRegionMode.ONLINE,
        process=QUERY_PROCESS,
        faq=[faq("需要登录吗？", "社会组织登记信息公开查询，无需登录。")],
        form_fields=[{"name": "org_name", "label": "社会组织名称或统一社会信用代码", "type": "text", "required": True}],
    ),
    ItemSpec(
        key="lawyer_query",
        base_code="000109001000",
        name="律师执业证查询",
        name_en="Lawyer practising certificate inquiry",
        kind=ItemKind.PUBLIC_SERVICE,
        handling_type=HandlingType.QUERY,
        department="justice",
        competent_department="司法部",
        service_object=ServiceObject.BOTH,
        content="查询律师执业证号、执业机构、执业状态及奖惩信息",
        conditions=["无"],
        legal_basis=[law("《中华人民共和国律师法》", "第六条"), law("《律师执业管理办法》", "第五十四条")],
        base_legal_basis=None,
        materials=[],
        legal_limit=0,
        promised=0,
        limit_note="即时办结",
        result_form=ResultForm.INFORMATION,
        result_name="律师执业信息",
        themes=["profession"],
        channels=["online", "mobile"],
        cross_region_mode=CrossRegionMode.ONLINE,
        process=QUERY_PROCESS,
        faq=[faq("能查询外省律师吗？", "京津冀三地律师执业信息已共享，可在任一地查询。")],
        form_fields=[{"name": "lawyer", "label": "律师姓名或执业证号", "type": "text", "required": True}],
    ),
    ItemSpec(
        key="ss_record_query",
        base_code="000114001000",
        name="社会保险个人权益记录查询",
        name_en="Social insurance personal rights record inquiry",
        kind=ItemKind.PUBLIC_SERVICE,
        handling_type=HandlingType.QUERY,
        department="hrss",
        competent_department="人力资源和社会保障部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="参保人员查询本人养老、工伤、失业保险参保缴费记录和待遇享受记录，可打印个人权益记录单",
        conditions=["参加本地社会保险的人员"],
        legal_basis=[
            law(
                "《中华人民共和国社会保险法》",
                "第七十四条",
                "用人单位和个人可以免费向社会保险经办机构查询、核对其缴费和享受社会保险待遇记录。",
            ),
            law("《社会保险个人权益记录管理办法》", "第十四条"),
        ],
        base_legal_basis=None,
        materials=[SFZ],
        legal_limit=0,
        promised=0,
        limit_note="即时办结",
        result_form=ResultForm.INFORMATION,
        result_name="社会保险个人权益记录单",
        themes=["employment", "retirement"],
        channels=["online", "mobile", "self_service", "window"],
        cross_region_mode=CrossRegionMode.ONLINE,
        process=QUERY_PROCESS,
        faq=[PERSONAL_Q_FAQ, faq("权益记录单可以作为证明使用吗？", "加盖电子印章的权益记录单与纸质单据具有同等效力。")],
        form_fields=PERSON_FIELDS[:2],
    ),
    ItemSpec(
        key="cert_check",
        base_code="000114002000",
        name="职业资格证书查验",
        name_en="Verification of vocational qualification certificates",
        kind=ItemKind.PUBLIC_SERVICE,
        handling_type=HandlingType.QUERY,
        department="hrss",
        competent_department="人力资源和社会保障部",
        service_object=ServiceObject.BOTH,
        content="查验职业资格证书、职业技能等级证书的真伪及持证信息",
        conditions=["持有职业资格证书或职业技能等级证书"],
        legal_basis=[
            law(
                "《中华人民共和国劳动法》",
                "第六十九条",
                "国家确定职业分类，对规定的职业制定职业技能标准，实行职业资格证书制度。",
            )
        ],
        base_legal_basis=None,
        materials=[],
        legal_limit=0,
        promised=0,
        limit_note="即时办结",
        result_form=ResultForm.INFORMATION,
        result_name="证书查验结果",
        themes=["profession", "employment"],
        channels=["online", "mobile"],
        cross_region_mode=CrossRegionMode.ONLINE,
        process=QUERY_PROCESS,
        form_fields=[
            {"name": "certificate_number", "label": "证书编号", "type": "text", "required": True},
            {"name": "holder_name", "label": "持证人姓名", "type": "text", "required": True},
        ],
    ),
    # ---------------------------------------------------------------- housing provident fund
    ItemSpec(
        key="hpf_transfer",
        base_code="000131002000",
        name="住房公积金转移接续",
        name_en="Transfer of housing provident fund accounts between regions",
        kind=ItemKind.PUBLIC_SERVICE,
        handling_type=HandlingType.OTHER,
        department="hpf",
        competent_department="住房和城乡建设部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="缴存职工跨城市就业，将原缴存地住房公积金账户余额转入现就业地住房公积金个人账户，缴存时间连续计算",
        conditions=["已在转入地设立住房公积金个人账户并正常缴存", "原缴存地个人账户处于封存状态"],
        legal_basis=[
            law("《住房公积金管理条例》", "第二十条"),
            law("《全国住房公积金异地转移接续业务操作规程》", "第三条"),
        ],
        base_legal_basis=None,
        materials=[SFZ],
        legal_limit=20,
        promised=5,
        result_form=ResultForm.OTHER,
        result_name="住房公积金异地转移接续结果告知",
        themes=["housing"],
        cross_region_mode=CrossRegionMode.JOINT,
        process=[
            step("申请", "职工向转入地住房公积金管理中心提出申请"),
            step("转入地审核", "转入地审核后通过全国转移接续平台发送联系函", 1),
            step("转出地办理", "转出地核对信息并划转资金", 3),
            step("转入地入账", "转入地确认资金并记入职工个人账户", 1),
        ],
        faq=[faq("需要回原缴存地办理吗？", "不需要。只需向转入地提出申请，转出、转入两地通过平台联办。"), CROSS_FAQ],
        form_fields=[
            *PERSON_FIELDS[:3],
            {"name": "from_city", "label": "原缴存城市", "type": "text", "required": True},
        ],
        overrides={
            "120000": {
                "content": "缴存职工在京津冀及其他城市间跨城市就业的，向转入地申请将原缴存地住房公积金账户余额转入本人账户，缴存时间连续计算",
                "promised": 3,
            },
        },
    ),
    ItemSpec(
        key="hpf_withdraw",
        base_code="000131003000",
        name="住房公积金提取（购买自住住房）",
        name_en="Withdrawal of housing provident fund for buying a home",
        kind=ItemKind.PUBLIC_SERVICE,
        handling_type=HandlingType.OTHER,
        department="hpf",
        competent_department="住房和城乡建设部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="职工购买、建造、翻建、大修自住住房的，提取本人及配偶住房公积金账户余额",
        conditions=["购买自住住房且已取得不动产权证书或已备案购房合同", "提取金额不超过购房款总额"],
        legal_basis=[
            law(
                "《住房公积金管理条例》",
                "第二十四条",
                "职工有下列情形之一的，可以提取职工住房公积金账户内的存储余额：（一）购买、建造、翻建、大修自住住房的……",
            )
        ],
        base_legal_basis=None,
        materials=[
            SFZ,
            m(
                "bdcqz",
                "不动产权证书或购房合同",
                licence_type_code="bdcqz",
                data_resource_code="gtj_bdcdj",
                applies_when=("house=existing",),
            ),
            m("gfht", "经备案的商品房买卖合同及购房发票", applies_when=("house=new",)),
            m("hyzm", "婚姻关系证明", required=False, data_resource_code="mz_hydj", notes="提取配偶公积金时提供"),
        ],
        legal_limit=3,
        promised=1,
        result_form=ResultForm.PAYMENT,
        result_name="住房公积金提取到账",
        themes=["housing"],
        situations=[
            {
                "code": "house",
                "question": "所购住房类型？",
                "options": [{"code": "new", "label": "新建商品房"}, {"code": "existing", "label": "二手房（存量房）"}],
            }
        ],
        process=SERVICE_PROCESS,
        form_fields=[
            *PERSON_FIELDS[:3],
            {"name": "amount", "label": "提取金额（元）", "type": "number", "required": True},
        ],
        overrides={"110000": {"promised": 0, "limit_note": "材料齐全即时办结"}},
    ),
    # ---------------------------------------------------------------- social insurance and employment
    ItemSpec(
        key="pension_transfer",
        base_code="000114003000",
        name="养老保险关系转移接续",
        name_en="Transfer of basic pension insurance between regions",
        kind=ItemKind.PUBLIC_SERVICE,
        handling_type=HandlingType.OTHER,
        department="hrss",
        competent_department="人力资源和社会保障部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="参保人员跨省、市流动就业的，办理城镇企业职工基本养老保险关系和基金转移接续，缴费年限累计计算",
        conditions=["参保人员跨统筹地区流动就业并在新就业地参保", "原参保地已停止缴费"],
        legal_basis=[
            law(
                "《中华人民共和国社会保险法》",
                "第十九条",
                "个人跨统筹地区就业的，其基本养老保险关系随本人转移，缴费年限累计计算。",
            ),
            law("《城镇企业职工基本养老保险关系转移接续暂行办法》", "第四条"),
        ],
        base_legal_basis=None,
        materials=[
            SFZ,
            m(
                "jfpz",
                "参保缴费凭证",
                required=False,
                source=MaterialSource.GOVERNMENT,
                data_resource_code="rs_sbjf",
                notes="多地联办时由转出地经办机构出具并经平台传送，申请人无需提供",
            ),
        ],
        legal_limit=45,
        promised=15,
        result_form=ResultForm.OTHER,
        result_name="基本养老保险关系转移接续完成告知",
        themes=["retirement", "employment"],
        cross_region_mode=CrossRegionMode.JOINT,
        process=[
            step("申请", "参保人员向新参保地经办机构提出转移接续申请"),
            step("发联系函", "转入地受理审核后向转出地发出联系函", 15),
            step("转出", "转出地办理关系转出并划转基金", 15),
            step("转入", "转入地接收基金，记录缴费年限", 15),
        ],
        faq=[faq("转移后缴费年限怎么算？", "缴费年限累计计算，个人账户储存额累计计算。"), CROSS_FAQ],
        form_fields=[
            *PERSON_FIELDS[:3],
            {"name": "from_region", "label": "原参保地", "type": "text", "required": True},
        ],
        overrides={"110000": {"promised": 10}, "130000": {"promised": 20}},
    ),
    ItemSpec(
        key="pension_claim",
        base_code="000114004000",
        name="职工基本养老保险待遇申领",
        name_en="Claiming the basic pension",
        kind=ItemKind.PAYMENT,
        department="hrss",
        competent_department="人力资源和社会保障部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="参保人员达到法定退休年龄且累计缴费满最低缴费年限的，申请按月领取基本养老金",
        conditions=["达到法定退休年龄", "累计缴费满十五年"],
        legal_basis=[
            law(
                "《中华人民共和国社会保险法》",
                "第十六条",
                "参加基本养老保险的个人，达到法定退休年龄时累计缴费满十五年的，按月领取基本养老金。",
            )
        ],
        base_legal_basis=None,
        materials=[
            SFZ,
            m("dazl", "职工档案（视同缴费年限认定用）", required=False, applies_when=("deemed=yes",)),
            m("yhk", "社会保障卡（金融账户已激活）", licence_type_code="sbk"),
        ],
        legal_limit=20,
        promised=10,
        result_form=ResultForm.PAYMENT,
        result_name="基本养老金核定通知",
        themes=["retirement"],
        situations=[
            {
                "code": "deemed",
                "question": "是否有1992年前的视同缴费年限？",
                "options": [{"code": "no", "label": "没有"}, {"code": "yes", "label": "有"}],
            }
        ],
        process=SERVICE_PROCESS,
        form_fields=PERSON_FIELDS,
        overrides={
            "130000": {"conditions": ["达到法定退休年龄", "累计缴费满十五年", "已办理退休审批手续"], "promised": 15},
        },
    ),
    ItemSpec(
        key="unemployment_reg",
        base_code="000114005000",
        name="失业登记",
        name_en="Unemployment registration",
        kind=ItemKind.PUBLIC_SERVICE,
        department="hrss",
        competent_department="人力资源和社会保障部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="法定劳动年龄内、有劳动能力、有就业要求、处于无业状态的人员办理失业登记，享受公共就业服务",
        conditions=["在法定劳动年龄内", "有劳动能力和就业要求", "处于无业状态"],
        legal_basis=[
            law("《就业服务与就业管理规定》", "第六十三条"),
            law("《中华人民共和国就业促进法》", "第四十二条"),
        ],
        base_legal_basis=None,
        materials=[SFZ],
        legal_limit=1,
        promised=0,
        limit_note="即时办结",
        result_form=ResultForm.CERTIFICATE_OF_FILING,
        result_name="失业登记证明",
        themes=["employment"],
        cross_region_mode=CrossRegionMode.ONLINE,
        process=SERVICE_PROCESS,
        form_fields=[*PERSON_FIELDS, {"name": "last_employer", "label": "原工作单位", "type": "text"}],
    ),
    ItemSpec(
        key="unemployment_benefit",
        base_code="000114006000",
        name="失业保险金申领",
        name_en="Claiming unemployment insurance benefit",
        kind=ItemKind.PAYMENT,
        department="hrss",
        competent_department="人力资源和社会保障部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="符合条件的失业人员申请领取失业保险金，领取期间参加职工基本医疗保险",
        conditions=[
            "失业前用人单位和本人已经缴纳失业保险费满一年",
            "非因本人意愿中断就业",
            "已经进行失业登记，并有求职要求",
        ],
        legal_basis=[
            law("《中华人民共和国社会保险法》", "第四十五条"),
            law("《失业保险条例》", "第十四条"),
        ],
        base_legal_basis=None,
        materials=[SFZ, m("sbk", "社会保障卡", licence_type_code="sbk", notes="用于发放失业保险金")],
        legal_limit=10,
        promised=3,
        result_form=ResultForm.PAYMENT,
        result_name="失业保险金核定",
        themes=["employment"],
        cross_region_mode=CrossRegionMode.ONLINE,
        process=SERVICE_PROCESS,
        form_fields=PERSON_FIELDS,
        overrides={
            "130000": {
                "extra_materials": [
                    m("jcht", "解除或终止劳动关系证明", source=MaterialSource.OTHER, source_note="原用人单位")
                ],
                "promised": 5,
            },
        },
    ),
    ItemSpec(
        key="startup_loan",
        base_code="000114007000",
        name="创业担保贷款申请",
        name_en="Start-up guaranteed loan",
        kind=ItemKind.PUBLIC_SERVICE,
        department="hrss",
        competent_department="人力资源和社会保障部",
        service_object=ServiceObject.BOTH,
        content="符合条件的个人创业者和小微企业申请创业担保贷款并享受财政贴息",
        conditions=[
            "属于高校毕业生、退役军人、返乡创业农民工等重点群体",
            "在本地依法登记注册并正常经营",
            "本人及其配偶无不良信用记录",
        ],
        legal_basis=[
            law("《关于进一步加大创业担保贷款贴息力度全力支持重点群体创业就业的通知》（财金〔2020〕21号）", "第二条")
        ],
        base_legal_basis=None,
        materials=[
            SFZ,
            YYZZ,
            m("cyjh", "创业计划书"),
            m(
                "xyqk",
                "个人信用报告",
                source=MaterialSource.OTHER,
                data_resource_code="rh_zxbg",
                source_note="中国人民银行征信中心",
            ),
        ],
        legal_limit=20,
        promised=15,
        result_form=ResultForm.APPROVAL_DOCUMENT,
        result_name="创业担保贷款审核意见",
        themes=["employment"],
        online_depth=OnlineDepth.APPLICATION,
        visits=1,
        process=SERVICE_PROCESS,
        form_fields=[
            *PERSON_FIELDS,
            {"name": "loan_amount", "label": "申请金额（万元）", "type": "number", "required": True},
        ],
        overrides={"110000": {"promised": 10}},
    ),
    ItemSpec(
        key="ss_card",
        base_code="000114008000",
        name="社会保障卡申领",
        name_en="Applying for a social security card",
        kind=ItemKind.PUBLIC_SERVICE,
        department="hrss",
        competent_department="人力资源和社会保障部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="参保人员首次申领社会保障卡（含电子社会保障卡），新生儿可随出生登记一并申领",
        conditions=["已参加本地社会保险或城乡居民医疗保险"],
        legal_basis=[law("《中华人民共和国社会保险法》", "第五十八条"), law("《社会保障卡管理办法》", "第十二条")],
        base_legal_basis=None,
        materials=[SFZ, m("zp", "本人近期免冠彩色照片（电子）", form=MaterialForm.ELECTRONIC)],
        legal_limit=20,
        promised=10,
        result_form=ResultForm.LICENCE,
        result_name="社会保障卡",
        licence_type_code="sbk",
        themes=["newborn", "employment"],
        cross_region_mode=CrossRegionMode.PROXY_RECEIPT,
        process=SERVICE_PROCESS,
        form_fields=PERSON_FIELDS,
        overrides={"120000": {"promised": 5}, "130000": {"promised": 15}},
    ),
    ItemSpec(
        key="employer_ss",
        base_code="000114009000",
        name="单位参保登记",
        name_en="Employer social insurance registration",
        kind=ItemKind.PUBLIC_SERVICE,
        department="hrss",
        competent_department="人力资源和社会保障部",
        service_object=ServiceObject.LEGAL_PERSON,
        content="用人单位自成立之日起三十日内办理社会保险登记，开办企业时随营业执照一并办理",
        conditions=["依法设立的用人单位"],
        legal_basis=[
            law(
                "《中华人民共和国社会保险法》",
                "第五十七条",
                "用人单位应当自成立之日起三十日内凭营业执照、登记证书或者单位印章，向当地社会保险经办机构申请办理社会保险登记。",
            )
        ],
        base_legal_basis=None,
        materials=[YYZZ],
        legal_limit=15,
        promised=0,
        limit_note="即时办结",
        result_form=ResultForm.CERTIFICATE_OF_FILING,
        result_name="社会保险登记信息",
        themes=["start_business", "operation"],
        cross_region_mode=CrossRegionMode.ONLINE,
        process=SERVICE_PROCESS,
        form_fields=ENTERPRISE_FIELDS,
    ),
    # ---------------------------------------------------------------- justice and civil affairs
    ItemSpec(
        key="lawyer_licence",
        base_code="000109002000",
        name="律师执业许可",
        name_en="Lawyer practising licence",
        kind=ItemKind.LICENSING,
        department="justice",
        competent_department="司法部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="对符合条件的申请人颁发律师执业证书",
        conditions=[
            "拥护中华人民共和国宪法",
            "通过国家统一法律职业资格考试取得法律职业资格",
            "在律师事务所实习满一年",
            "品行良好",
        ],
        legal_basis=[
            law("《中华人民共和国律师法》", "第五条"),
            law("《中华人民共和国律师法》", "第六条"),
            law("《律师执业管理办法》", "第六条"),
        ],
        base_legal_basis=[law("《中华人民共和国律师法》", "第五条")],
        materials=[
            SQB,
            SFZ,
            m(
                "zgzs",
                "法律职业资格证书",
                licence_type_code="flzyzgz",
                source=MaterialSource.GOVERNMENT,
                source_note="司法部",
            ),
            m("sxkh", "律师协会出具的申请人实习考核合格的材料", source=MaterialSource.OTHER, source_note="律师协会"),
            m("lsswsjs", "律师事务所出具的同意接收申请人的证明"),
        ],
        legal_limit=30,
        promised=15,
        result_form=ResultForm.LICENCE,
        result_name="律师执业证书",
        licence_type_code="lszyz",
        themes=["profession"],
        visits=0,
        process=licensing_process(14),
        special_steps=[
            special(SpecialStepKind.PUBLIC_NOTICE, "受理后在律师协会网站公示", 5, "《律师执业管理办法》第十九条")
        ],
        form_fields=[
            *PERSON_FIELDS,
            {"name": "law_firm", "label": "拟执业律师事务所", "type": "text", "required": True},
        ],
        overrides={"130000": {"promised": 20}},
    ),
    ItemSpec(
        key="legal_aid",
        base_code="000109003000",
        name="法律援助申请",
        name_en="Legal aid application",
        kind=ItemKind.PUBLIC_SERVICE,
        department="justice",
        competent_department="司法部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="经济困难公民和符合法定条件的其他当事人申请法律咨询、代理、刑事辩护等法律援助服务",
        conditions=["经济困难或属于法律规定不受经济困难条件限制的情形", "申请事项属于法律援助范围"],
        legal_basis=[
            law("《中华人民共和国法律援助法》", "第三十一条"),
            law("《中华人民共和国法律援助法》", "第三十八条"),
        ],
        base_legal_basis=None,
        materials=[
            SQB,
            SFZ,
            m("jjkn", "经济困难状况说明表", notes="实行个人诚信承诺，无需开具证明"),
            m("ajcl", "与所申请法律援助事项有关的材料"),
        ],
        legal_limit=7,
        promised=3,
        result_form=ResultForm.APPROVAL_DOCUMENT,
        result_name="给予法律援助决定书",
        themes=[],
        visits=0,
        process=SERVICE_PROCESS,
        form_fields=[
            *PERSON_FIELDS,
            {"name": "case_summary", "label": "案情简述", "type": "text", "required": True, "max_length": 2000},
        ],
    ),
    ItemSpec(
        key="elderly_allowance",
        base_code="000108002000",
        name="高龄津贴申领",
        name_en="Old-age allowance",
        kind=ItemKind.PAYMENT,
        department="civil",
        competent_department="民政部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="对具有本地户籍的八十周岁及以上老年人按月发放高龄津贴",
        conditions=["具有本地户籍", "年满八十周岁"],
        legal_basis=[law("《中华人民共和国老年人权益保障法》", "第三十三条")],
        base_legal_basis=None,
        materials=[SFZ, m("sbk", "社会保障卡或银行卡", licence_type_code="sbk")],
        legal_limit=20,
        promised=10,
        result_form=ResultForm.PAYMENT,
        result_name="高龄津贴发放",
        themes=["retirement"],
        process=SERVICE_PROCESS,
        form_fields=PERSON_FIELDS,
        overrides={
            "110000": {
                "name": "老年人高龄津贴申领",
                "content": "对具有本市户籍的八十周岁及以上老年人按月发放高龄津贴，纳入北京通—养老助残卡",
                "conditions": ["具有本市户籍", "年满八十周岁", "已办理北京通—养老助残卡"],
            },
            "120000": {
                "content": "对具有本市户籍的九十周岁及以上老年人按月发放高龄津贴",
                "conditions": ["具有本市户籍", "年满九十周岁"],
                "promised": 15,
            },
        },
    ),
    ItemSpec(
        key="marriage",
        base_code="000108003000",
        name="内地居民结婚登记",
        name_en="Marriage registration",
        kind=ItemKind.CONFIRMATION,
        department="civil",
        competent_department="民政部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="内地居民自愿结婚的，男女双方共同到婚姻登记机关申请结婚登记",
        conditions=[
            "男女双方完全自愿",
            "男年满二十二周岁、女年满二十周岁",
            "双方均无配偶",
            "不属于直系血亲和三代以内旁系血亲",
        ],
        legal_basis=[law("《中华人民共和国民法典》", "第一千零四十九条"), law("《婚姻登记条例》", "第四条")],
        base_legal_basis=None,
        materials=[
            m("sfz2", "双方居民身份证", licence_type_code="sfz", data_resource_code="gaj_jmsfz"),
            m(
                "hkb2",
                "双方户口簿",
                licence_type_code="hkb",
                data_resource_code="gaj_hjxx",
                notes="试点地区可凭身份证办理",
            ),
            m("zp2", "双方近期半身免冠合影照片", count=3),
        ],
        legal_limit=0,
        promised=0,
        limit_note="当场办结",
        result_form=ResultForm.LICENCE,
        result_name="结婚证",
        licence_type_code="jhz",
        themes=["marriage"],
        channels=["online", "window"],
        visits=1,
        online_depth=OnlineDepth.APPLICATION,
        process=[step("网上预约", "双方选择登记机关和时间"), step("现场办理", "双方亲自到场，签署声明，当场颁证", 0)],
        faq=[
            faq(
                "可以在非户籍地登记吗？", "京津冀已开展婚姻登记“跨省通办”试点，一方户籍在三地之一即可在经常居住地办理。"
            )
        ],
        form_fields=[
            {"name": "man_name", "label": "男方姓名", "type": "text", "required": True},
            {"name": "man_id", "label": "男方公民身份号码", "type": "id_number", "required": True},
            {"name": "woman_name", "label": "女方姓名", "type": "text", "required": True},
            {"name": "woman_id", "label": "女方公民身份号码", "type": "id_number", "required": True},
            {"name": "date", "label": "预约日期", "type": "date", "required": True},
        ],
    ),
    ItemSpec(
        key="social_org_reg",
        base_code="000108004000",
        name="社会团体成立登记",
        name_en="Registration of a social association",
        kind=ItemKind.LICENSING,
        department="civil",
        competent_department="民政部",
        service_object=ServiceObject.BOTH,
        content="社会团体经业务主管单位审查同意并完成筹备后，申请成立登记",
        conditions=[
            "有五十个以上的个人会员或者三十个以上的单位会员",
            "有规范的名称和相应的组织机构",
            "有固定的住所",
            "有合法的资产和经费来源，全国性社会团体有10万元以上活动资金，地方性社会团体有3万元以上活动资金",
        ],
        legal_basis=[law("《社会团体登记管理条例》", "第九条"), law("《社会团体登记管理条例》", "第十条")],
        base_legal_basis=[law("《社会团体登记管理条例》", "第九条")],
        materials=[
            SQB,
            m("ywzg", "业务主管单位的批准文件", source=MaterialSource.GOVERNMENT),
            m("zc", "章程草案"),
            m("yzzm", "验资报告", source=MaterialSource.INTERMEDIARY),
            m("zszm", "住所使用权证明"),
            m("fzr", "负责人基本情况及身份证明"),
        ],
        legal_limit=60,
        promised=20,
        result_form=ResultForm.LICENCE,
        result_name="社会团体法人登记证书",
        licence_type_code="sttdjz",
        themes=[],
        online_depth=OnlineDepth.APPLICATION,
        visits=1,
        process=licensing_process(18),
        special_steps=[special(SpecialStepKind.PUBLIC_NOTICE, "成立登记公告", 5, "《社会团体登记管理条例》第十二条")],
        form_fields=[
            {"name": "org_name", "label": "社会团体名称", "type": "text", "required": True},
            *ENTERPRISE_FIELDS[2:],
        ],
        overrides={"110000": {"promised": 15}},
    ),
    # ---------------------------------------------------------------- public security
    ItemSpec(
        key="birth_reg",
        base_code="000107001000",
        name="出生登记",
        name_en="Birth registration (hukou)",
        kind=ItemKind.CONFIRMATION,
        department="psb",
        competent_department="公安部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报出生登记",
        conditions=["婴儿父亲或母亲一方为本地常住户口"],
        legal_basis=[
            law(
                "《中华人民共和国户口登记条例》",
                "第七条",
                "婴儿出生后一个月以内，由户主、亲属、抚养人或者邻居向婴儿常住地户口登记机关申报出生登记。",
            )
        ],
        base_legal_basis=None,
        materials=[
            m(
                "csyxzm",
                "出生医学证明",
                licence_type_code="csyxzm",
                data_resource_code="wj_csyxzm",
                source=MaterialSource.GOVERNMENT,
                source_note="助产医疗机构",
            ),
            m("fmsfz", "父母双方居民身份证", licence_type_code="sfz"),
            HKB,
            m(
                "jhz",
                "父母结婚证",
                licence_type_code="jhz",
                data_resource_code="mz_hydj",
                required=False,
                applies_when=("married=yes",),
            ),
        ],
        legal_limit=0,
        promised=0,
        limit_note="当场办结",
        result_form=ResultForm.CERTIFICATE_OF_FILING,
        result_name="户口簿出生登记页",
        themes=["newborn"],
        visits=0,
        situations=[
            {
                "code": "married",
                "question": "父母是否登记结婚？",
                "options": [{"code": "yes", "label": "已登记结婚"}, {"code": "no", "label": "非婚生育"}],
            }
        ],
        process=SERVICE_PROCESS,
        form_fields=[
            {"name": "baby_name", "label": "新生儿姓名", "type": "text", "required": True},
            {"name": "birth_date", "label": "出生日期", "type": "date", "required": True},
            {"name": "gender", "label": "性别", "type": "choice", "required": True, "choices": ["男", "女"]},
            {"name": "guardian_id", "label": "申报人公民身份号码", "type": "id_number", "required": True},
        ],
    ),
    ItemSpec(
        key="hukou_move",
        base_code="000107002000",
        name="户口迁移",
        name_en="Transfer of household registration",
        kind=ItemKind.LICENSING,
        department="psb",
        competent_department="公安部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="符合落户条件的人员将户口由原户籍地迁入本地，实行迁入地“一站式”办理，无需回迁出地开具迁移证",
        conditions=["在迁入地有合法稳定住所", "符合迁入地落户政策"],
        legal_basis=[
            law("《中华人民共和国户口登记条例》", "第十条"),
            law("《国务院关于进一步推进户籍制度改革的意见》（国发〔2014〕25号）", "第二部分"),
        ],
        base_legal_basis=[law("《中华人民共和国户口登记条例》", "第十条")],
        materials=[
            SFZ,
            HKB,
            m(
                "fczm",
                "合法稳定住所证明（不动产权证书或租赁备案证明）",
                licence_type_code="bdcqz",
                data_resource_code="gtj_bdcdj",
                applies_when=("reason=house",),
            ),
            m("ldht", "劳动合同及社会保险缴纳证明", data_resource_code="rs_sbjf", applies_when=("reason=work",)),
            m("qszm", "亲属关系证明（结婚证、出生医学证明等）", applies_when=("reason=family",)),
        ],
        legal_limit=20,
        promised=10,
        result_form=ResultForm.APPROVAL_DOCUMENT,
        result_name="准予迁入证明",
        themes=["migration"],
        visits=1,
        online_depth=OnlineDepth.APPLICATION,
        cross_region_mode=CrossRegionMode.JOINT,
        situations=[
            {
                "code": "reason",
                "question": "迁入原因？",
                "options": [
                    {"code": "house", "label": "购房落户"},
                    {"code": "work", "label": "工作调动或人才引进"},
                    {"code": "family", "label": "夫妻、父母子女投靠"},
                ],
            },
            AGENT_SITUATION,
        ],
        process=[
            step("申请", "向迁入地派出所或政务服务中心提出申请"),
            step("迁入审批", "迁入地公安机关审核落户条件", 5),
            step("迁出联办", "通过公安部人口信息系统通知迁出地办理迁出", 3),
            step("落户", "迁入地办理落户，签发户口簿", 1),
        ],
        faq=[faq("还需要回老家开迁移证吗？", "不需要。实行迁入地“一站式”办理，迁出地通过系统联办。"), CROSS_FAQ],
        form_fields=[
            *PERSON_FIELDS,
            {"name": "from_address", "label": "原户籍地址", "type": "address", "required": True},
        ],
        overrides={
            "110000": {
                "conditions": [
                    "在迁入地有合法稳定住所",
                    "符合迁入地落户政策",
                    "属于本市人才引进、积分落户、投靠等准予迁入情形",
                ],
                "promised": 15,
            },
            "130000": {
                "conditions": ["在迁入地有合法稳定住所"],
                "content": "在城镇有合法稳定住所（含租赁）的人员及其共同居住生活的配偶、子女、父母可申请将户口迁入，实行迁入地“一站式”办理",
                "result_form": ResultForm.LICENCE,
                "result_name": "户口迁移证",
                "promised": 5,
                "visits": 0,
            },
        },
    ),
    ItemSpec(
        key="id_card",
        base_code="000107003000",
        name="居民身份证换领、补领",
        name_en="Renewal or replacement of resident identity card",
        kind=ItemKind.PUBLIC_SERVICE,
        handling_type=HandlingType.RENEWAL,
        department="psb",
        competent_department="公安部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="居民身份证有效期满、证件损坏或丢失的，申请换领或补领居民身份证，可在异地受理",
        conditions=["已登记常住户口的中国公民", "证件有效期满、损坏或丢失"],
        legal_basis=[
            law("《中华人民共和国居民身份证法》", "第十一条"),
            law("《中华人民共和国居民身份证法》", "第八条"),
        ],
        base_legal_basis=None,
        materials=[
            m("jzj", "原居民身份证（换领时交回）", applies_when=("case=renew",)),
            m("zp", "本人近期免冠彩色照片（现场采集）", form=MaterialForm.ELECTRONIC, source=MaterialSource.GOVERNMENT),
        ],
        legal_limit=60,
        promised=20,
        result_form=ResultForm.LICENCE,
        result_name="居民身份证",
        licence_type_code="sfz",
        themes=["migration"],
        visits=1,
        online_depth=OnlineDepth.APPLICATION,
        cross_region_mode=CrossRegionMode.PROXY_RECEIPT,
        fees=[
            {
                "name": "居民身份证工本费",
                "amount": "20元（补领、损坏换领）",
                "basis": "《国家发展改革委 财政部关于居民身份证收费标准及有关问题的通知》",
            }
        ],
        situations=[
            {
                "code": "case",
                "question": "办理原因？",
                "options": [{"code": "renew", "label": "到期或损坏换领"}, {"code": "lost", "label": "丢失补领"}],
            }
        ],
        process=SERVICE_PROCESS,
        form_fields=PERSON_FIELDS,
        overrides={"110000": {"promised": 15}, "130000": {"promised": 30}},
    ),
    ItemSpec(
        key="residence_permit",
        base_code="000107004000",
        name="居住证办理",
        name_en="Residence permit",
        kind=ItemKind.PUBLIC_SERVICE,
        department="psb",
        competent_department="公安部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="离开常住户口所在地到本地居住半年以上，符合条件的人员申领居住证，享受基本公共服务",
        conditions=["在本地居住半年以上", "有合法稳定就业、合法稳定住所、连续就读三项条件之一"],
        legal_basis=[law("《居住证暂行条例》", "第二条"), law("《居住证暂行条例》", "第九条")],
        base_legal_basis=[law("《居住证暂行条例》", "第二条")],
        materials=[
            SFZ,
            m("zsj", "居住地住址证明（不动产权证书、租赁合同或单位证明）", data_resource_code="gtj_bdcdj"),
            m("zp", "本人近期免冠彩色照片", form=MaterialForm.ELECTRONIC),
        ],
        legal_limit=15,
        promised=10,
        result_form=ResultForm.LICENCE,
        result_name="居住证",
        licence_type_code="jzz",
        themes=["migration"],
        visits=1,
        online_depth=OnlineDepth.APPLICATION,
        process=SERVICE_PROCESS,
        form_fields=[
            *PERSON_FIELDS,
            {"name": "move_in_date", "label": "来本地居住日期", "type": "date", "required": True},
        ],
        overrides={
            "110000": {
                "extra_materials": [
                    m("jzdjk", "北京市居住登记卡", source=MaterialSource.GOVERNMENT, source_note="居住地派出所")
                ]
            },
            "120000": {"promised": 7},
        },
    ),
    ItemSpec(
        key="no_crime",
        base_code="000107005000",
        name="无犯罪记录证明开具",
        name_en="Certificate of no criminal record",
        kind=ItemKind.PUBLIC_SERVICE,
        department="psb",
        competent_department="公安部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="为中国公民出具在中国境内有无犯罪记录的证明，用于就业、出国等",
        conditions=["申请人为中国公民"],
        legal_basis=[law("《公安机关办理无犯罪记录证明工作规定》（公通字〔2021〕19号）", "第二条")],
        base_legal_basis=None,
        materials=[SFZ, WTS],
        legal_limit=3,
        promised=1,
        result_form=ResultForm.OTHER,
        result_name="无犯罪记录证明",
        licence_type_code="wfzjlzm",
        themes=["employment"],
        cross_region_mode=CrossRegionMode.ONLINE,
        situations=[AGENT_SITUATION],
        process=SERVICE_PROCESS,
        form_fields=[
            *PERSON_FIELDS,
            {
                "name": "purpose",
                "label": "用途",
                "type": "choice",
                "required": True,
                "choices": ["就业", "出国（境）", "其他"],
            },
        ],
    ),
    # ---------------------------------------------------------------- health and medical insurance
    ItemSpec(
        key="birth_cert",
        base_code="000120001000",
        name="出生医学证明办理",
        name_en="Medical certificate of birth",
        kind=ItemKind.PUBLIC_SERVICE,
        department="health",
        competent_department="国家卫生健康委员会",
        service_object=ServiceObject.NATURAL_PERSON,
        content="在助产机构出生的新生儿，由助产机构签发出生医学证明，可同步生成电子证照",
        conditions=["新生儿在依法取得助产技术服务资质的医疗机构出生"],
        legal_basis=[law("《中华人民共和国母婴保健法》", "第二十三条")],
        base_legal_basis=None,
        materials=[m("fmsfz", "父母双方居民身份证", licence_type_code="sfz", data_resource_code="gaj_jmsfz")],
        legal_limit=5,
        promised=1,
        result_form=ResultForm.LICENCE,
        result_name="出生医学证明",
        licence_type_code="csyxzm",
        themes=["newborn"],
        process=SERVICE_PROCESS,
        form_fields=[
            {"name": "baby_name", "label": "新生儿姓名", "type": "text", "required": True},
            {"name": "birth_date", "label": "出生日期", "type": "date", "required": True},
            {"name": "mother_id", "label": "母亲公民身份号码", "type": "id_number", "required": True},
        ],
    ),
    ItemSpec(
        key="physician",
        base_code="000120002000",
        name="医师执业注册",
        name_en="Registration of practising physicians",
        kind=ItemKind.LICENSING,
        department="health",
        competent_department="国家卫生健康委员会",
        service_object=ServiceObject.NATURAL_PERSON,
        content="取得医师资格的人员申请首次执业注册、变更执业地点或执业范围",
        conditions=["取得医师资格", "拟执业的医疗、预防、保健机构同意聘用", "身体健康，能胜任医师执业工作"],
        legal_basis=[
            law("《中华人民共和国医师法》", "第十三条", "国家实行医师执业注册制度。"),
            law("《医师执业注册管理办法》", "第二条"),
        ],
        base_legal_basis=[law("《医师执业注册管理办法》", "第二条")],
        materials=[
            SQB,
            SFZ,
            m(
                "yszgz",
                "医师资格证书",
                licence_type_code="yszgz",
                source=MaterialSource.GOVERNMENT,
                source_note="国家卫生健康委员会",
            ),
            m(
                "tjbg",
                "六个月内的健康体检报告",
                source=MaterialSource.INTERMEDIARY,
                gap_allowed=True,
                source_note="二级以上医疗机构",
            ),
            m("prjgzm", "拟执业机构的聘用证明"),
            m("yszyz", "原医师执业证书", licence_type_code="ysyzz", applies_when=("type=change",)),
        ],
        legal_limit=20,
        promised=5,
        result_form=ResultForm.LICENCE,
        result_name="医师执业证书",
        licence_type_code="ysyzz",
        themes=["profession"],
        cross_region_mode=CrossRegionMode.PROXY_RECEIPT,
        gap_allowed=True,
        situations=[
            {
                "code": "type",
                "question": "注册类型？",
                "options": [{"code": "first", "label": "首次注册"}, {"code": "change", "label": "变更注册"}],
            }
        ],
        process=licensing_process(3),
        faq=[faq("体检报告暂时没有能先受理吗？", "可以。体检报告属容缺材料，可在受理后5个工作日内补齐。"), CROSS_FAQ],
        form_fields=[
            *PERSON_FIELDS,
            {
                "name": "practice_scope",
                "label": "执业范围",
                "type": "choice",
                "required": True,
                "choices": ["内科专业", "外科专业", "妇产科专业", "儿科专业", "全科医学专业"],
            },
        ],
        overrides={
            "130000": {
                "legal_basis": [
                    law("《中华人民共和国执业医师法》", "第十三条", "国家实行医师执业注册制度。"),
                    law("《医师执业注册管理办法》", "第二条"),
                ],
                "promised": 10,
            },
            "110000": {"promised": 3},
        },
    ),
    ItemSpec(
        key="nurse",
        base_code="000120003000",
        name="护士执业注册",
        name_en="Registration of nurses",
        kind=ItemKind.LICENSING,
        department="health",
        competent_department="国家卫生健康委员会",
        service_object=ServiceObject.NATURAL_PERSON,
        content="通过护士执业资格考试的人员申请护士执业注册",
        conditions=[
            "具有完全民事行为能力",
            "通过国务院卫生主管部门组织的护士执业资格考试",
            "符合国务院卫生主管部门规定的健康标准",
        ],
        legal_basis=[
            law("《护士条例》", "第七条", "护士执业，应当经执业注册取得护士执业证书。"),
            law("《护士执业注册管理办法》", "第七条"),
        ],
        base_legal_basis=[law("《护士条例》", "第七条")],
        materials=[
            SQB,
            SFZ,
            m("xlzs", "学历证书及专业学习中的临床实习证明", data_resource_code="jyb_xlxx"),
            m("kscj", "护士执业资格考试成绩合格证明", source=MaterialSource.GOVERNMENT),
            m("tjbg", "健康体检证明", source=MaterialSource.INTERMEDIARY, gap_allowed=True),
            m("prjgzm", "医疗卫生机构拟聘用的相关材料"),
        ],
        legal_limit=20,
        promised=5,
        result_form=ResultForm.LICENCE,
        result_name="护士执业证书",
        licence_type_code="hszyz",
        themes=["profession"],
        cross_region_mode=CrossRegionMode.PROXY_RECEIPT,
        gap_allowed=True,
        process=licensing_process(3),
        form_fields=PERSON_FIELDS,
        overrides={"110000": {"name": "护士执业注册（首次注册）"}},
    ),
    ItemSpec(
        key="medical_institution",
        base_code="000120004000",
        name="医疗机构执业登记",
        name_en="Practising registration of medical institutions",
        kind=ItemKind.LICENSING,
        department="health",
        competent_department="国家卫生健康委员会",
        service_object=ServiceObject.LEGAL_PERSON,
        content="医疗机构执业前申请执业登记，领取医疗机构执业许可证",
        conditions=[
            "按照规定应当办理设置审批的，已取得设置医疗机构批准书",
            "符合医疗机构基本标准",
            "有适合的名称、组织机构和场所",
            "有与其开展的业务相适应的经费、设施、设备和专业卫生技术人员",
        ],
        legal_basis=[
            law("《医疗机构管理条例》", "第十五条", "医疗机构执业，必须进行登记，领取《医疗机构执业许可证》。")
        ],
        base_legal_basis=None,
        materials=[
            SQB,
            YYZZ,
            m("cstj", "医疗机构用房产权证明或使用证明"),
            m("ryqd", "卫生技术人员名录及资格证书、执业证书"),
            m("gzzd", "规章制度"),
            m("sbqd", "主要设备清单"),
        ],
        legal_limit=45,
        promised=20,
        result_form=ResultForm.LICENCE,
        result_name="医疗机构执业许可证",
        licence_type_code="yljgzyxkz",
        themes=["permits"],
        online_depth=OnlineDepth.APPLICATION,
        reform_mode=ReformMode.OPTIMISE,
        special_steps=[
            special(SpecialStepKind.SITE_INSPECTION, "现场审核", 10, "《医疗机构管理条例实施细则》第二十八条")
        ],
        process=licensing_process(18),
        form_fields=[*ENTERPRISE_FIELDS, {"name": "beds", "label": "床位数", "type": "number", "required": False}],
        overrides={"120000": {"promised": 15}},
    ),
    ItemSpec(
        key="med_ins_reg",
        base_code="000135001000",
        name="城乡居民基本医疗保险参保登记",
        name_en="Enrolment in resident basic medical insurance",
        kind=ItemKind.PUBLIC_SERVICE,
        department="nhsa",
        competent_department="国家医疗保障局",
        service_object=ServiceObject.NATURAL_PERSON,
        content="未参加职工医保的城乡居民（含新生儿、学生儿童）办理城乡居民基本医疗保险参保登记",
        conditions=["具有本地户籍或持有本地居住证", "未参加职工基本医疗保险"],
        legal_basis=[law("《中华人民共和国社会保险法》", "第二十五条")],
        base_legal_basis=None,
        materials=[SFZ],
        legal_limit=5,
        promised=0,
        limit_note="即时办结",
        result_form=ResultForm.CERTIFICATE_OF_FILING,
        result_name="参保登记信息",
        themes=["newborn", "medical"],
        process=SERVICE_PROCESS,
        form_fields=PERSON_FIELDS,
    ),
    ItemSpec(
        key="med_transfer",
        base_code="000135002000",
        name="基本医疗保险关系转移接续",
        name_en="Transfer of basic medical insurance between regions",
        kind=ItemKind.PUBLIC_SERVICE,
        handling_type=HandlingType.OTHER,
        department="nhsa",
        competent_department="国家医疗保障局",
        service_object=ServiceObject.NATURAL_PERSON,
        content="参保人员跨统筹地区流动就业，基本医疗保险关系随本人转移，缴费年限累计计算",
        conditions=["已在转入地参保", "转出地已停止缴费"],
        legal_basis=[
            law(
                "《中华人民共和国社会保险法》",
                "第三十二条",
                "个人跨统筹地区就业的，其基本医疗保险关系随本人转移，缴费年限累计计算。",
            )
        ],
        base_legal_basis=None,
        materials=[SFZ],
        legal_limit=45,
        promised=15,
        result_form=ResultForm.OTHER,
        result_name="转移接续完成告知",
        themes=["medical"],
        cross_region_mode=CrossRegionMode.JOINT,
        process=[
            step("申请", "向转入地医保经办机构申请"),
            step("联办", "转入地、转出地通过全国医保平台联办", 10),
            step("办结", "转入地确认缴费年限"),
        ],
        form_fields=[
            *PERSON_FIELDS[:3],
            {"name": "from_region", "label": "原参保地", "type": "text", "required": True},
        ],
    ),
    ItemSpec(
        key="med_remote",
        base_code="000135003000",
        name="异地就医备案",
        name_en="Registration for medical treatment in another region",
        kind=ItemKind.PUBLIC_SERVICE,
        department="nhsa",
        competent_department="国家医疗保障局",
        service_object=ServiceObject.NATURAL_PERSON,
        content="异地长期居住、临时外出就医的参保人员办理跨省异地就医备案，就医时直接结算",
        conditions=["已参加本地基本医疗保险", "异地长期居住或临时外出就医"],
        legal_basis=[
            law("《关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》（医保发〔2022〕22号）", "第二条")
        ],
        base_legal_basis=None,
        materials=[SFZ, m("cnh", "个人承诺书", form=MaterialForm.ELECTRONIC, notes="在线签署")],
        legal_limit=1,
        promised=0,
        limit_note="即时办结",
        result_form=ResultForm.CERTIFICATE_OF_FILING,
        result_name="异地就医备案信息",
        themes=["medical"],
        cross_region_mode=CrossRegionMode.ONLINE,
        process=SERVICE_PROCESS,
        faq=[faq("京津冀之间就医还需要备案吗？", "京津冀区域内已实行免备案直接结算的定点医疗机构，可不办理备案。")],
        form_fields=[
            *PERSON_FIELDS,
            {"name": "destination", "label": "就医地", "type": "text", "required": True},
            {"name": "start_date", "label": "开始日期", "type": "date", "required": True},
        ],
        overrides={"120000": {"name": "跨省异地就医备案"}},
    ),
    # ---------------------------------------------------------------- market regulation
    ItemSpec(
        key="company_reg",
        base_code="000127001000",
        name="企业设立登记（营业执照）",
        name_en="Company registration (business licence)",
        kind=ItemKind.LICENSING,
        department="amr",
        competent_department="国家市场监督管理总局",
        service_object=ServiceObject.BOTH,
        content="申请设立有限责任公司、股份有限公司、个人独资企业和合伙企业，核发营业执照；同步发放电子营业执照",
        conditions=["名称符合《企业名称登记管理规定》", "有符合章程规定的股东（出资人）", "有公司住所"],
        legal_basis=[
            law("《中华人民共和国市场主体登记管理条例》", "第三条"),
            law("《中华人民共和国公司法》", "第二十九条"),
        ],
        base_legal_basis=[law("《中华人民共和国市场主体登记管理条例》", "第三条")],
        materials=[
            m("djsqs", "企业登记（备案）申请书", notes="网上填报自动生成"),
            m("zc", "公司章程", applies_when=("type=llc",)),
            m("hhxy", "合伙协议", applies_when=("type=partnership",)),
            FDDB,
            m("gdzm", "股东（出资人）主体资格文件或自然人身份证件"),
            m("rzwj", "法定代表人、董事、监事和经理的任职文件"),
        ],
        legal_limit=15,
        promised=1,
        result_form=ResultForm.LICENCE,
        result_name="营业执照",
        licence_type_code="yyzz",
        themes=["start_business"],
        cross_region_mode=CrossRegionMode.PROXY_RECEIPT,
        reform_mode=ReformMode.OPTIMISE,
        situations=[
            {
                "code": "type",
                "question": "企业类型？",
                "options": [
                    {"code": "llc", "label": "有限责任公司"},
                    {"code": "sole", "label": "个人独资企业"},
                    {"code": "partnership", "label": "合伙企业"},
                ],
            }
        ],
        process=licensing_process(1),
        faq=[
            faq("住所需要提交房产证明吗？", "实行住所（经营场所）申报承诺制的地区，填报住所信息并承诺真实即可。"),
            faq("能在京津冀异地申请营业执照吗？", "可通过京津冀“一网通办”专区或任一“跨省通办”窗口申请。"),
        ],
        form_fields=[
            {"name": "enterprise_name", "label": "拟设立企业名称", "type": "text", "required": True, "max_length": 200},
            {"name": "registered_capital", "label": "注册资本（万元）", "type": "number", "required": True},
            {"name": "legal_representative", "label": "法定代表人", "type": "text", "required": True},
            {
                "name": "legal_representative_id",
                "label": "法定代表人公民身份号码",
                "type": "id_number",
                "required": True,
            },
            {"name": "address", "label": "住所", "type": "address", "required": True},
            {"name": "business_scope", "label": "经营范围", "type": "text", "required": True, "max_length": 2000},
        ],
        overrides={
            "110000": {"promised": 0, "limit_note": "材料齐全当日办结"},
            "130000": {
                "extra_materials": [
                    m("zszm", "住所（经营场所）使用证明", notes="自有房产提供产权证明，租赁房屋提供租赁协议和产权证明")
                ],
                "promised": 2,
            },
        },
    ),
    ItemSpec(
        key="company_change",
        base_code="000127002000",
        name="企业变更登记",
        name_en="Change of company registration",
        kind=ItemKind.LICENSING,
        handling_type=HandlingType.CHANGE,
        department="amr",
        competent_department="国家市场监督管理总局",
        service_object=ServiceObject.LEGAL_PERSON,
        content="企业名称、住所、法定代表人、注册资本、经营范围等登记事项发生变更的，申请变更登记",
        conditions=["已依法登记的企业", "自作出变更决议、决定或者法定变更事项发生之日起30日内申请"],
        legal_basis=[law("《中华人民共和国市场主体登记管理条例》", "第二十四条")],
        base_legal_basis=None,
        materials=[m("djsqs", "企业登记（备案）申请书"), m("bgjy", "变更决议或决定"), YYZZ],
        legal_limit=15,
        promised=1,
        result_form=ResultForm.LICENCE,
        result_name="营业执照",
        licence_type_code="yyzz",
        themes=["operation"],
        process=licensing_process(1),
        form_fields=[
            *ENTERPRISE_FIELDS,
            {
                "name": "change_items",
                "label": "变更事项",
                "type": "choice",
                "required": True,
                "choices": ["名称", "住所", "法定代表人", "注册资本", "经营范围"],
            },
        ],
    ),
    ItemSpec(
        key="company_cancel",
        base_code="000127003000",
        name="企业注销登记",
        name_en="Deregistration of a company",
        kind=ItemKind.LICENSING,
        handling_type=HandlingType.CANCELLATION,
        department="amr",
        competent_department="国家市场监督管理总局",
        service_object=ServiceObject.LEGAL_PERSON,
        content="企业解散、清算完毕后申请注销登记，终止市场主体资格",
        conditions=["已完成清算", "无未结清的债权债务"],
        legal_basis=[
            law("《中华人民共和国市场主体登记管理条例》", "第三十一条"),
            law("《中华人民共和国公司法》", "第二百三十九条"),
        ],
        base_legal_basis=[law("《中华人民共和国市场主体登记管理条例》", "第三十一条")],
        materials=[m("zxsqs", "注销登记申请书"), m("qsbg", "清算报告"), YYZZ],
        legal_limit=15,
        promised=3,
        result_form=ResultForm.APPROVAL_DOCUMENT,
        result_name="准予注销登记通知书",
        themes=["closing"],
        process=licensing_process(2),
        form_fields=ENTERPRISE_FIELDS,
        overrides={
            "110000": {
                "content": "企业解散、清算完毕后申请注销登记，终止市场主体资格；未发生债权债务的企业可适用简易注销，公示期20日",
                "promised": 1,
            },
        },
    ),
    ItemSpec(
        key="individual_business",
        base_code="000127004000",
        name="个体工商户设立登记",
        name_en="Registration of an individual business",
        kind=ItemKind.LICENSING,
        department="amr",
        competent_department="国家市场监督管理总局",
        service_object=ServiceObject.NATURAL_PERSON,
        content="有经营能力的公民申请从事个体工商业经营，核发个体工商户营业执照",
        conditions=["有经营能力的公民", "有固定的经营场所"],
        legal_basis=[
            law("《促进个体工商户发展条例》", "第八条"),
            law("《中华人民共和国市场主体登记管理条例》", "第三条"),
        ],
        base_legal_basis=None,
        materials=[m("djsqs", "个体工商户登记（备案）申请书"), SFZ],
        legal_limit=15,
        promised=0,
        limit_note="当场办结",
        result_form=ResultForm.LICENCE,
        result_name="营业执照",
        licence_type_code="yyzz",
        themes=["start_business"],
        process=licensing_process(0),
        form_fields=[*PERSON_FIELDS, {"name": "business_name", "label": "个体工商户名称", "type": "text"}],
    ),
    ItemSpec(
        key="food",
        base_code="000127005000",
        name="食品经营许可",
        name_en="Food business licence",
        kind=ItemKind.LICENSING,
        department="amr",
        competent_department="国家市场监督管理总局",
        service_object=ServiceObject.BOTH,
        content="从事食品销售和餐饮服务活动的，申请取得食品经营许可证",
        conditions=[
            "具有与经营的食品品种、数量相适应的经营场所",
            "具有相应的设备或者设施",
            "有专职或者兼职的食品安全管理人员和保证食品安全的规章制度",
            "具有合理的设备布局和工艺流程",
        ],
        legal_basis=[
            law("《中华人民共和国食品安全法》", "第三十五条", "国家对食品生产经营实行许可制度。"),
            law("《食品经营许可和备案管理办法》", "第五条"),
        ],
        base_legal_basis=[law("《中华人民共和国食品安全法》", "第三十五条")],
        materials=[
            m("sqs", "食品经营许可申请书"),
            YYZZ,
            m("pmt", "与食品经营相适应的主要设备设施布局、操作流程等文件"),
            m("glzd", "食品安全自查、从业人员健康管理、进货查验记录等制度"),
        ],
        legal_limit=10,
        promised=5,
        result_form=ResultForm.LICENCE,
        result_name="食品经营许可证",
        licence_type_code="spjyxkz",
        themes=["permits"],
        reform_mode=ReformMode.COMMITMENT,
        commitment_allowed=True,
        commitment_text=COMMITMENT_GENERIC,
        special_steps=[
            special(
                SpecialStepKind.SITE_INSPECTION,
                "现场核查（告知承诺的在发证后核查）",
                5,
                "《食品经营许可和备案管理办法》第二十条",
                counts=True,
            )
        ],
        process=licensing_process(3),
        form_fields=[
            *ENTERPRISE_FIELDS,
            {
                "name": "business_items",
                "label": "经营项目",
                "type": "choice",
                "required": True,
                "choices": ["食品销售", "餐饮服务", "单位食堂"],
            },
        ],
        overrides={
            "120000": {
                "legal_basis": [
                    law("《中华人民共和国食品安全法》", "第三十五条", "国家对食品生产经营实行许可制度。"),
                    law("《食品经营许可和备案管理办法》", "第五条"),
                    law("《天津市食品安全管理条例》", "第二十条"),
                ],
                "promised": 3,
            },
            "130000": {
                "reform_mode": ReformMode.OPTIMISE,
                "commitment_allowed": False,
                "commitment_text": "",
                "promised": 7,
            },
        },
    ),
    ItemSpec(
        key="metrology",
        base_code="000127006000",
        name="计量标准器具核准",
        name_en="Approval of measurement standards",
        kind=ItemKind.LICENSING,
        department="amr",
        competent_department="国家市场监督管理总局",
        service_object=ServiceObject.LEGAL_PERSON,
        content="对社会公用计量标准，部门、企业、事业单位使用的最高计量标准进行考核，核发计量标准考核证书",
        conditions=[
            "计量标准器及配套设备经检定或校准合格",
            "具备开展量值传递的环境条件",
            "具有称职的保存、维护、使用人员",
            "具有完善的管理制度",
        ],
        legal_basis=[
            law("《中华人民共和国计量法》", "第六条"),
            law("《中华人民共和国计量法》", "第八条"),
            law("《中华人民共和国计量法实施细则》", "第七条"),
            law("《计量标准考核办法》", "第三条"),
        ],
        base_legal_basis=[law("《中华人民共和国计量法》", "第六条")],
        materials=[
            m("kh_sqs", "计量标准考核（复查）申请书"),
            m("jsbg", "计量标准技术报告"),
            m("jdzs", "计量标准器及主要配套设备有效的检定或校准证书", source=MaterialSource.INTERMEDIARY),
            m("czry", "检定或校准人员能力证明"),
            YYZZ,
        ],
        legal_limit=20,
        promised=15,
        limit_note="专家评审（考核）时间不计入办理时限",
        result_form=ResultForm.LICENCE,
        result_name="计量标准考核证书",
        licence_type_code="jlbzkhzs",
        themes=["permits"],
        cross_region_mode=CrossRegionMode.PROXY_RECEIPT,
        reform_mode=ReformMode.OPTIMISE,
        special_steps=[
            special(
                SpecialStepKind.EXPERT_REVIEW,
                "计量标准考核（书面审查和现场考评）",
                40,
                "《计量标准考核办法》第十二条",
                counts=False,
            )
        ],
        process=licensing_process(12),
        faq=[CROSS_FAQ],
        form_fields=[
            *ENTERPRISE_FIELDS,
            {"name": "standard_name", "label": "计量标准名称", "type": "text", "required": True},
        ],
        overrides={"120000": {"promised": 10}},
    ),
    ItemSpec(
        key="special_equipment",
        base_code="000127007000",
        name="特种设备使用登记",
        name_en="Registration of special equipment",
        kind=ItemKind.LICENSING,
        department="amr",
        competent_department="国家市场监督管理总局",
        service_object=ServiceObject.LEGAL_PERSON,
        content="锅炉、压力容器、电梯、起重机械等特种设备在投入使用前或者投入使用后三十日内办理使用登记",
        conditions=["特种设备经监督检验合格", "使用单位建立了特种设备安全管理制度"],
        legal_basis=[
            law("《中华人民共和国特种设备安全法》", "第三十三条"),
            law("《特种设备使用管理规则》（TSG 08-2017）", "第3.2条"),
        ],
        base_legal_basis=[law("《中华人民共和国特种设备安全法》", "第三十三条")],
        materials=[
            m("djb", "特种设备使用登记表"),
            YYZZ,
            m("jyzs", "监督检验证明", source=MaterialSource.INTERMEDIARY),
            m("cpzl", "产品合格证"),
        ],
        legal_limit=15,
        promised=5,
        result_form=ResultForm.LICENCE,
        result_name="特种设备使用登记证",
        licence_type_code="tzsbsydjz",
        themes=["operation"],
        process=licensing_process(3),
        form_fields=[
            *ENTERPRISE_FIELDS,
            {
                "name": "equipment_type",
                "label": "设备类别",
                "type": "choice",
                "required": True,
                "choices": ["锅炉", "压力容器", "电梯", "起重机械", "场（厂）内专用机动车辆"],
            },
        ],
        overrides={"120000": {"promised": 3}},
    ),
    ItemSpec(
        key="industrial_product",
        base_code="000127008000",
        name="工业产品生产许可证核发",
        name_en="Production licence for industrial products",
        kind=ItemKind.LICENSING,
        department="amr",
        competent_department="国家市场监督管理总局",
        service_object=ServiceObject.LEGAL_PERSON,
        content="生产列入目录的重要工业产品的企业申请取得工业产品生产许可证",
        conditions=[
            "有营业执照",
            "有与所生产产品相适应的专业技术人员",
            "有与所生产产品相适应的生产条件和检验检疫手段",
            "有健全有效的质量管理制度和责任制度",
        ],
        legal_basis=[
            law("《中华人民共和国工业产品生产许可证管理条例》", "第九条"),
            law("《工业产品生产许可证管理条例实施办法》", "第三条"),
        ],
        base_legal_basis=[law("《中华人民共和国工业产品生产许可证管理条例》", "第九条")],
        materials=[
            m("sqs", "工业产品生产许可证申请书"),
            YYZZ,
            m("jybg", "产品检验报告", source=MaterialSource.INTERMEDIARY, gap_allowed=True),
        ],
        legal_limit=30,
        promised=5,
        result_form=ResultForm.LICENCE,
        result_name="工业产品生产许可证",
        licence_type_code="gycpscxkz",
        themes=["permits"],
        reform_mode=ReformMode.COMMITMENT,
        commitment_allowed=True,
        commitment_text=COMMITMENT_GENERIC,
        gap_allowed=True,
        special_steps=[
            special(
                SpecialStepKind.TESTING,
                "产品检验",
                20,
                "《工业产品生产许可证管理条例》第十二条",
                fee="由检验机构按规定收取",
            )
        ],
        process=licensing_process(3),
        form_fields=[*ENTERPRISE_FIELDS, {"name": "product", "label": "产品名称", "type": "text", "required": True}],
    ),
    # ---------------------------------------------------------------- agriculture
    ItemSpec(
        key="pesticide",
        base_code="000117001000",
        name="农药经营许可",
        name_en="Pesticide business licence",
        kind=ItemKind.LICENSING,
        department="agri",
        competent_department="农业农村部",
        service_object=ServiceObject.BOTH,
        content="从事农药经营的单位和个人申请农药经营许可证（限制使用农药经营许可由省级农业农村部门核发）",
        conditions=[
            "有具备农学、植保、农药等相关专业中专以上学历或者专业教育培训机构五十六学时以上学习经历的经营人员",
            "有不少于30平方米的营业场所和不少于50平方米的仓储场所，并与其他商品、生活区域、饮用水源有效隔离",
            "配备通风、消防、预防中毒等设施，有与所经营农药品种、类别相适应的设施设备",
            "有农药采购、销售台账和安全管理制度",
        ],
        legal_basis=[
            law("《农药管理条例》", "第二十四条", "国家实行农药经营许可制度，但经营卫生用农药的除外。"),
            law("《农药经营许可管理办法》", "第三条"),
        ],
        base_legal_basis=[law("《农药管理条例》", "第二十四条")],
        materials=[
            m("sqb", "农药经营许可证申请表"),
            YYZZ,
            m("jyry", "经营人员的学历或者培训证明"),
            m("csmj", "营业场所和仓储场所地址、面积、平面图等说明材料及照片"),
            m("sbqd", "计算机管理系统、可追溯电子信息码扫描设备、安全防护、仓储设施等清单及照片"),
            m("glzd", "有关管理制度目录及文本"),
        ],
        legal_limit=20,
        promised=5,
        result_form=ResultForm.LICENCE,
        result_name="农药经营许可证",
        licence_type_code="nyjyxkz",
        themes=["permits"],
        cross_region_mode=CrossRegionMode.PROXY_RECEIPT,
        reform_mode=ReformMode.COMMITMENT,
        commitment_allowed=True,
        commitment_text=COMMITMENT_PESTICIDE,
        special_steps=[
            special(
                SpecialStepKind.SITE_INSPECTION,
                "现场踏勘（告知承诺的在发证后两个月内核查）",
                5,
                "《农药经营许可管理办法》第十二条",
                counts=True,
            )
        ],
        process=licensing_process(3),
        faq=[
            faq(
                "什么是告知承诺？",
                "申请人签署告知承诺书，审批机关当场作出许可决定，事后两个月内现场核查，发现虚假承诺的撤销许可并记入信用记录。",
            ),
            CROSS_FAQ,
        ],
        form_fields=[
            *ENTERPRISE_FIELDS,
            {
                "name": "restricted",
                "label": "是否经营限制使用农药",
                "type": "choice",
                "required": True,
                "choices": ["否", "是"],
            },
            {"name": "warehouse_area", "label": "仓储面积（平方米）", "type": "number", "required": True},
        ],
        overrides={
            "120000": {"name": "农药经营许可证核发", "promised": 3},
            "130000": {
                "extra_materials": [
                    m("pxhg", "农药经营人员培训合格证明", source=MaterialSource.OTHER, source_note="农业技术推广机构")
                ],
                "promised": 10,
            },
        },
    ),
    ItemSpec(
        key="breeding",
        base_code="000117002000",
        name="种畜禽生产经营许可证核发",
        name_en="Breeding livestock and poultry production licence",
        kind=ItemKind.LICENSING,
        department="agri",
        competent_department="农业农村部",
        service_object=ServiceObject.LEGAL_PERSON,
        content="从事种畜禽生产经营或者生产经营商品代仔畜、雏禽的单位和个人申请种畜禽生产经营许可证",
        conditions=[
            "生产经营的种畜禽是通过国家畜禽遗传资源委员会审定或者鉴定的品种、配套系",
            "有与生产经营规模相适应的畜牧兽医技术人员",
            "有与生产经营规模相适应的繁育设施设备",
            "具备法律、行政法规和国务院畜牧兽医行政主管部门规定的种畜禽防疫条件",
            "有完善的质量管理和育种记录制度",
        ],
        legal_basis=[
            law("《中华人民共和国畜牧法》", "第二十四条"),
            law("《种畜禽生产经营许可证审核发放管理办法》", "第四条"),
        ],
        base_legal_basis=[law("《中华人民共和国畜牧法》", "第二十四条")],
        materials=[
            m("sqb", "种畜禽生产经营许可证申请表"),
            YYZZ,
            m("jsry", "畜牧兽医技术人员资格证明"),
            m("dwfy", "动物防疫条件合格证", licence_type_code="dwfytjhgz", data_resource_code="nyj_dwfy"),
            m("zyjl", "种畜禽来源证明及育种记录", gap_allowed=True),
        ],
        legal_limit=20,
        promised=15,
        result_form=ResultForm.LICENCE,
        result_name="种畜禽生产经营许可证",
        licence_type_code="zcqscjyxkz",
        themes=["permits"],
        cross_region_mode=CrossRegionMode.PROXY_RECEIPT,
        reform_mode=ReformMode.OPTIMISE,
        gap_allowed=True,
        special_steps=[
            special(SpecialStepKind.SITE_INSPECTION, "现场踏勘", 5, "《中华人民共和国畜牧法》第二十四条", counts=True)
        ],
        process=licensing_process(12),
        faq=[CROSS_FAQ],
        form_fields=[
            *ENTERPRISE_FIELDS,
            {"name": "breed", "label": "品种（配套系）", "type": "text", "required": True},
            {"name": "herd_size", "label": "种畜禽存栏量", "type": "number", "required": True},
        ],
        overrides={"110000": {"promised": 10}},
    ),
    ItemSpec(
        key="vet_drug",
        base_code="000117003000",
        name="兽药经营许可证核发",
        name_en="Veterinary drug business licence",
        kind=ItemKind.LICENSING,
        department="agri",
        competent_department="农业农村部",
        service_object=ServiceObject.LEGAL_PERSON,
        content="经营兽药的企业申请兽药经营许可证（经营兽用生物制品的由省级兽医行政管理部门审批）",
        conditions=[
            "有与所经营的兽药相适应的兽药技术人员",
            "有与所经营的兽药相适应的营业场所、设备、仓库设施",
            "有与所经营的兽药相适应的质量管理机构或者人员",
            "有兽药经营质量管理规范规定的其他经营条件",
        ],
        legal_basis=[law("《兽药管理条例》", "第二十二条"), law("《兽药经营质量管理规范》", "第二条")],
        base_legal_basis=[law("《兽药管理条例》", "第二十二条")],
        materials=[
            m("sqb", "兽药经营许可证申请表"),
            YYZZ,
            m("jsry", "兽药技术人员学历证明或职称证明"),
            m("csmj", "营业场所、仓库平面图及产权或租赁证明"),
        ],
        legal_limit=30,
        promised=10,
        result_form=ResultForm.LICENCE,
        result_name="兽药经营许可证",
        licence_type_code="syjyxkz",
        themes=["permits"],
        reform_mode=ReformMode.OPTIMISE,
        special_steps=[
            special(SpecialStepKind.SITE_INSPECTION, "现场检查验收", 10, "《兽药经营质量管理规范》", counts=True)
        ],
        process=licensing_process(8),
        form_fields=ENTERPRISE_FIELDS,
        overrides={
            "120000": {
                "reform_mode": ReformMode.COMMITMENT,
                "commitment_allowed": True,
                "commitment_text": COMMITMENT_GENERIC,
                "promised": 5,
            }
        },
    ),
    ItemSpec(
        key="animal_epidemic",
        base_code="000117004000",
        name="动物防疫条件合格证核发",
        name_en="Animal epidemic prevention certificate",
        kind=ItemKind.LICENSING,
        department="agri",
        competent_department="农业农村部",
        service_object=ServiceObject.LEGAL_PERSON,
        content="开办动物饲养场、隔离场所、屠宰加工场所以及动物和动物产品无害化处理场所，申请动物防疫条件合格证",
        conditions=[
            "场所的位置与居民生活区、生活饮用水水源地、学校、医院等公共场所的距离符合规定",
            "生产经营区域封闭隔离，工程设计和有关流程符合动物防疫要求",
            "有相应的污水、污物、病死动物处理设施设备",
            "有执业兽医或者动物防疫技术人员",
            "有完善的隔离消毒、购销台账、日常巡查等动物防疫制度",
        ],
        legal_basis=[law("《中华人民共和国动物防疫法》", "第二十五条"), law("《动物防疫条件审查办法》", "第十九条")],
        base_legal_basis=[law("《中华人民共和国动物防疫法》", "第二十五条")],
        materials=[
            m("sqb", "动物防疫条件审查申请表"),
            m("pmt", "场所地理位置图、各功能区布局平面图"),
            m("zd", "设施设备清单"),
            m("ry", "管理制度文本及人员信息"),
        ],
        legal_limit=20,
        promised=15,
        result_form=ResultForm.LICENCE,
        result_name="动物防疫条件合格证",
        licence_type_code="dwfytjhgz",
        themes=["permits"],
        online_depth=OnlineDepth.APPLICATION,
        special_steps=[
            special(SpecialStepKind.SITE_INSPECTION, "现场核查", 5, "《动物防疫条件审查办法》第二十条", counts=True)
        ],
        process=licensing_process(12),
        form_fields=ENTERPRISE_FIELDS,
    ),
    # ---------------------------------------------------------------- culture and heritage
    ItemSpec(
        key="relic_shop",
        base_code="000124001000",
        name="设立文物商店审批",
        name_en="Approval to set up a cultural relics shop",
        kind=ItemKind.LICENSING,
        department="heritage",
        competent_department="国家文物局",
        service_object=ServiceObject.LEGAL_PERSON,
        content="设立从事文物购销经营活动的文物商店，经省级文物行政部门批准",
        conditions=[
            "有200万元人民币以上的注册资本",
            "有5名以上取得中级以上文物博物专业技术职务的人员",
            "有保管文物的场所、设施和技术条件",
            "法律、行政法规规定的其他条件",
        ],
        legal_basis=[
            law(
                "《中华人民共和国文物保护法》",
                "第五十三条",
                "文物商店应当由省、自治区、直辖市人民政府文物行政部门批准设立，依法进行管理。",
            ),
            law("《中华人民共和国文物保护法实施条例》", "第四十条"),
        ],
        base_legal_basis=[law("《中华人民共和国文物保护法》", "第五十三条")],
        materials=[
            SQB,
            YYZZ,
            m("zjzm", "注册资本证明"),
            m("zyry", "文物博物专业技术人员职称证书及劳动合同"),
            m("cszm", "经营和保管场所证明及安防、消防设施说明"),
        ],
        legal_limit=30,
        promised=15,
        result_form=ResultForm.APPROVAL_DOCUMENT,
        result_name="准予行政许可决定书",
        themes=["permits"],
        online_depth=OnlineDepth.APPLICATION,
        cross_region_mode=CrossRegionMode.PROXY_RECEIPT,
        reform_mode=ReformMode.OPTIMISE,
        special_steps=[
            special(
                SpecialStepKind.SITE_INSPECTION,
                "现场踏勘（经营和保管场所）",
                5,
                "《文物保护法实施条例》第四十条",
                counts=True,
            )
        ],
        process=licensing_process(12),
        faq=[CROSS_FAQ],
        form_fields=[
            *ENTERPRISE_FIELDS,
            {"name": "registered_capital", "label": "注册资本（万元）", "type": "number", "required": True},
        ],
        overrides={"130000": {"result_name": "文物商店设立批准文件", "promised": 20}},
    ),
    ItemSpec(
        key="performance",
        base_code="000123001000",
        name="营业性演出许可（文艺表演团体）",
        name_en="Commercial performance licence for performing arts groups",
        kind=ItemKind.LICENSING,
        department="culture",
        competent_department="文化和旅游部",
        service_object=ServiceObject.LEGAL_PERSON,
        content="文艺表演团体申请从事营业性演出活动，核发营业性演出许可证",
        conditions=["有与其业务相适应的专职演员", "有与其业务相适应的器材设备"],
        legal_basis=[law("《营业性演出管理条例》", "第六条")],
        base_legal_basis=None,
        materials=[SQB, YYZZ, m("yyqd", "演员的艺术表演能力证明"), m("qcqd", "器材设备清单")],
        legal_limit=20,
        promised=5,
        result_form=ResultForm.LICENCE,
        result_name="营业性演出许可证",
        licence_type_code="yyxycxkz",
        themes=["permits"],
        reform_mode=ReformMode.COMMITMENT,
        commitment_allowed=True,
        commitment_text=COMMITMENT_GENERIC,
        process=licensing_process(3),
        form_fields=ENTERPRISE_FIELDS,
    ),
    ItemSpec(
        key="travel_agency",
        base_code="000123002000",
        name="旅行社业务经营许可",
        name_en="Travel agency business licence",
        kind=ItemKind.LICENSING,
        department="culture",
        competent_department="文化和旅游部",
        service_object=ServiceObject.LEGAL_PERSON,
        content="申请经营国内旅游业务和入境旅游业务的旅行社，取得旅行社业务经营许可证",
        conditions=["取得企业法人资格", "有必要的经营管理人员和导游"],
        legal_basis=[law("《旅行社条例》", "第六条"), law("《旅行社条例》", "第七条")],
        base_legal_basis=[law("《旅行社条例》", "第七条")],
        materials=[
            SQB,
            YYZZ,
            m("ry", "经营管理人员和导游的劳动合同及资格证明"),
            m("zbj", "旅行社质量保证金缴存证明", source=MaterialSource.OTHER, source_note="银行"),
        ],
        legal_limit=20,
        promised=5,
        result_form=ResultForm.LICENCE,
        result_name="旅行社业务经营许可证",
        licence_type_code="lxsywjyxkz",
        themes=["permits"],
        reform_mode=ReformMode.COMMITMENT,
        commitment_allowed=True,
        commitment_text=COMMITMENT_GENERIC,
        process=licensing_process(3),
        form_fields=ENTERPRISE_FIELDS,
        overrides={"130000": {"promised": 10}},
    ),
    ItemSpec(
        key="entertainment",
        base_code="000123003000",
        name="娱乐场所从事娱乐场所经营活动审批",
        name_en="Approval of entertainment venues",
        kind=ItemKind.LICENSING,
        department="culture",
        competent_department="文化和旅游部",
        service_object=ServiceObject.LEGAL_PERSON,
        content="歌舞、游艺等娱乐场所申请从事娱乐场所经营活动，核发娱乐经营许可证",
        conditions=["符合娱乐场所设置的有关规定", "场所位置、面积、消防、安全等符合国家规定"],
        legal_basis=[law("《娱乐场所管理条例》", "第九条")],
        base_legal_basis=None,
        materials=[SQB, YYZZ, FDDB, m("cszm", "场所产权或使用权证明"), m("pmt", "场所平面示意图")],
        legal_limit=20,
        promised=10,
        result_form=ResultForm.LICENCE,
        result_name="娱乐经营许可证",
        licence_type_code="yljyxkz",
        themes=["permits"],
        online_depth=OnlineDepth.APPLICATION,
        reform_mode=ReformMode.OPTIMISE,
        special_steps=[
            special(SpecialStepKind.SITE_INSPECTION, "实地检查", 5, "《娱乐场所管理条例》第十一条", counts=True),
            special(SpecialStepKind.HEARING, "听证（涉及重大利益时）", 10, "《中华人民共和国行政许可法》第四十六条"),
        ],
        process=licensing_process(8),
        form_fields=ENTERPRISE_FIELDS,
    ),
    # ---------------------------------------------------------------- enterprise registrations
    ItemSpec(
        key="seal_filing",
        base_code="000107006000",
        name="印章刻制备案",
        name_en="Filing of company seals",
        kind=ItemKind.FILING,
        department="psb",
        competent_department="公安部",
        service_object=ServiceObject.LEGAL_PERSON,
        content="新设立企业刻制公章、财务章等印章后向公安机关备案，开办企业时免费刻制",
        conditions=["已取得营业执照"],
        legal_basis=[
            law("《国务院关于第一批取消62项中央指定地方实施行政审批事项的决定》（国发〔2015〕57号）", "附件第32项")
        ],
        base_legal_basis=None,
        materials=[YYZZ, FDDB],
        legal_limit=1,
        promised=0,
        limit_note="即时办结",
        result_form=ResultForm.CERTIFICATE_OF_FILING,
        result_name="印章备案信息",
        themes=["start_business"],
        process=SERVICE_PROCESS,
        form_fields=[
            *ENTERPRISE_FIELDS,
            {
                "name": "seals",
                "label": "印章种类",
                "type": "choice",
                "required": True,
                "choices": ["公章", "财务专用章", "发票专用章", "合同专用章"],
            },
        ],
    ),
    ItemSpec(
        key="employer_hpf",
        base_code="000131004000",
        name="住房公积金单位缴存登记",
        name_en="Employer registration for housing provident fund",
        kind=ItemKind.PUBLIC_SERVICE,
        department="hpf",
        competent_department="住房和城乡建设部",
        service_object=ServiceObject.LEGAL_PERSON,
        content="新设立的单位自设立之日起30日内办理住房公积金缴存登记，并为本单位职工办理账户设立",
        conditions=["依法设立的单位"],
        legal_basis=[
            law(
                "《住房公积金管理条例》",
                "第十四条",
                "新设立的单位应当自设立之日起30日内向住房公积金管理中心办理住房公积金缴存登记。",
            )
        ],
        base_legal_basis=None,
        materials=[YYZZ, m("djb", "住房公积金单位缴存登记表")],
        legal_limit=5,
        promised=0,
        limit_note="即时办结",
        result_form=ResultForm.CERTIFICATE_OF_FILING,
        result_name="单位缴存登记信息",
        themes=["start_business", "operation"],
        cross_region_mode=CrossRegionMode.ONLINE,
        process=SERVICE_PROCESS,
        form_fields=ENTERPRISE_FIELDS,
    ),
    # ---------------------------------------------------------------- single-region items
    ItemSpec(
        key="bj_work_residence",
        base_code="000114010000",
        name="北京市工作居住证办理",
        name_en="Beijing work residence permit",
        kind=ItemKind.PUBLIC_SERVICE,
        department="hrss",
        competent_department="人力资源和社会保障部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="为在京工作的非京籍人才办理工作居住证，持证人在子女入学、购房等方面享受市民待遇",
        conditions=["具有本科以上学历或中级以上专业技术职称", "在本市用人单位工作并缴纳社会保险"],
        legal_basis=[law("《北京市工作居住证管理办法》", "第五条")],
        base_legal_basis=None,
        materials=[SFZ, m("xlzs", "学历学位证书", data_resource_code="jyb_xlxx"), m("ldht", "劳动合同")],
        legal_limit=20,
        promised=10,
        result_form=ResultForm.LICENCE,
        result_name="北京市工作居住证",
        themes=["employment"],
        regions=("110000",),
        process=SERVICE_PROCESS,
        form_fields=PERSON_FIELDS,
    ),
    ItemSpec(
        key="tj_talent_hukou",
        base_code="000107007000",
        name="人才引进落户",
        name_en="Household registration for talent",
        kind=ItemKind.LICENSING,
        department="psb",
        competent_department="公安部",
        service_object=ServiceObject.NATURAL_PERSON,
        content="符合“海河英才”行动计划条件的人才申请落户天津",
        conditions=["具有全日制本科以上学历或符合技能人才、资格人才条件", "年龄符合政策规定"],
        legal_basis=[
            law("《天津市“海河英才”行动计划》（津党发〔2018〕12号）", "第一条"),
            law("《中华人民共和国户口登记条例》", "第十条"),
        ],
        base_legal_basis=None,
        materials=[SFZ, HKB, m("xlzs", "学历学位证书", data_resource_code="jyb_xlxx")],
        legal_limit=20,
        promised=10,
        result_form=ResultForm.APPROVAL_DOCUMENT,
        result_name="准予迁入证明",
        themes=["migration", "employment"],
        regions=("120000",),
        process=SERVICE_PROCESS,
        form_fields=PERSON_FIELDS,
    ),
    ItemSpec(
        key="hb_hr_service",
        base_code="000114011000",
        name="经营性人力资源服务机构从事职业中介活动许可",
        name_en="Licence for commercial employment agencies",
        kind=ItemKind.LICENSING,
        department="hrss",
        competent_department="人力资源和社会保障部",
        service_object=ServiceObject.LEGAL_PERSON,
        content="经营性人力资源服务机构从事职业中介活动的，申请人力资源服务许可证",
        conditions=[
            "有明确的章程和管理制度",
            "有开展业务必备的固定场所、办公设施",
            "有5名以上取得职业资格证书的专职工作人员",
        ],
        legal_basis=[law("《人力资源市场暂行条例》", "第十八条"), law("《中华人民共和国就业促进法》", "第四十条")],
        base_legal_basis=None,
        materials=[SQB, YYZZ, m("zzry", "专职工作人员职业资格证明"), m("zc", "机构章程及管理制度")],
        legal_limit=20,
        promised=5,
        result_form=ResultForm.LICENCE,
        result_name="人力资源服务许可证",
        licence_type_code="rlzyfwxkz",
        themes=["permits"],
        regions=("130000",),
        reform_mode=ReformMode.COMMITMENT,
        commitment_allowed=True,
        commitment_text=COMMITMENT_GENERIC,
        process=licensing_process(3),
        form_fields=ENTERPRISE_FIELDS,
    ),
]

# The items named in the source documents (the demo must implement each in Beijing, Tianjin and Hebei).
NAMED_ITEM_KEYS: tuple[str, ...] = (
    "hpf_query",
    "social_org_query",
    "lawyer_query",
    "ss_record_query",
    "pesticide",
    "breeding",
    "metrology",
    "physician",
    "relic_shop",
    "company_reg",
    "hukou_move",
    "pension_transfer",
    "hpf_transfer",
    "cert_check",
)
