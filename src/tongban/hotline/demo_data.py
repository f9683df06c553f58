"""Generated demo content of the Tianjin 12345 line: past tickets with varied phrasing, and a knowledge base.

Tickets are built from phrase templates per department (several ways residents put the same kind
of matter, many without the department's obvious keyword), places in Tianjin's districts and
everyday details, so that a classifier has something real to learn and the keyword rules do not
find everything. The generator is seeded: the same seed gives the same tickets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

DISTRICTS = [
    ("120101", "和平区", ["南京路", "滨江道", "营口道", "成都道"]),
    ("120102", "河东区", ["十一经路", "津塘路", "卫国道"]),
    ("120103", "河西区", ["友谊路", "解放南路", "围堤道", "珠江道"]),
    ("120104", "南开区", ["鞍山西道", "红旗路", "长江道", "白堤路"]),
    ("120105", "河北区", ["中山路", "金钟河大街", "王串场"]),
    ("120106", "红桥区", ["西青道", "勤俭道", "丁字沽"]),
    ("120110", "东丽区", ["津塘公路", "先锋路", "跃进路"]),
    ("120111", "西青区", ["中北大道", "大寺镇", "杨柳青"]),
    ("120112", "津南区", ["咸水沽", "双港镇", "八里台镇"]),
    ("120113", "北辰区", ["北辰道", "果园新村", "天穆镇"]),
    ("120114", "武清区", ["杨村", "京津公路", "下朱庄"]),
    ("120116", "滨海新区", ["塘沽", "开发区第三大街", "汉沽", "大港"]),
]

SHOPS = ["超市", "菜市场", "便利店", "饭馆", "药店", "网店", "健身房", "培训机构", "理发店", "母婴店"]
GOODS = ["猪肉", "鸡蛋", "牛奶", "月饼", "口罩", "手机", "羽绒服", "大米", "食用油", "奶粉"]
COMPANIES = ["一家物流公司", "某装修公司", "一家餐饮企业", "某电子厂", "一家保洁公司", "某建筑工地", "一家快递网点"]
HOSPITALS = ["市第一中心医院", "总医院", "某社区卫生服务中心", "区人民医院", "一家民营口腔诊所", "儿童医院"]
SCENIC = ["古文化街", "五大道", "盘山", "黄崖关长城", "意式风情区", "海河游船"]

# department code → templates. {d} district, {r} road, {s} shop, {g} goods, {c} company,
# {h} hospital, {p} scenic spot, {n} a number.
TEMPLATES: dict[str, list[str]] = {
    "amr": [
        "{d}{r}一家{s}卖的{g}过期了还在卖，要求查处",
        "在{s}买的{g}吃了以后拉肚子，商家不给退",
        "{d}{r}附近的{s}标价和结账价格不一样，多收钱",
        "网购的{g}是假货，商家拒绝退货退款",
        "{s}办了预付卡，现在老板跑路了，卡里还有{n}元",
        "{d}{r}{s}用的秤缺斤少两",
        "{s}的{g}没有生产日期也没有标签",
        "反映{d}有商户哄抬{g}价格",
        "买的{g}质量有问题，找厂家三个月没人管",
        "{r}的{s}卫生条件很差，后厨有老鼠",
        "外卖平台上的商家没有营业执照",
        "{d}{r}有人无照经营，占道摆摊卖{g}",
    ],
    "hrss": [
        "在{c}干了{n}个月，老板一直拖欠工资不发",
        "单位没有给我交社保，想问怎么维权",
        "{c}辞退我不给经济补偿",
        "咨询失业金怎么领取，需要带什么材料",
        "退休以后养老金什么时候开始发放",
        "{d}{c}强迫员工每天加班到半夜也不给加班费",
        "灵活就业人员怎么自己缴纳养老保险",
        "农民工讨薪，包工头联系不上了",
        "想咨询职业技能培训补贴怎么申请",
        "劳动合同到期单位不续签，也不给补偿",
        "工伤认定需要多长时间，单位不配合",
        "应届毕业生就业报到证丢了怎么办",
    ],
    "hpf": [
        "公积金提取申请提交{n}天了还没到账",
        "想用住房资金还房贷，怎么办理提取",
        "单位没有给我缴存住房公积金",
        "租房可以每月提取公积金吗，额度多少",
        "公积金贷款审批太慢，开发商催交首付",
        "离职以后住房资金账户怎么转移到外地",
        "咨询公积金贷款额度是怎么计算的",
        "异地购房能不能用天津的公积金",
        "公积金账户被封存了，怎么解封",
        "装修房子能不能提取住房资金",
    ],
    "psb": [
        "孩子出生了想办理落户，需要什么材料",
        "身份证丢了，补办要多久",
        "{d}{r}晚上有人聚众喝酒打架，影响休息",
        "外地人在天津办居住证需要什么条件",
        "{r}路口经常有人飙车，噪音很大",
        "户口迁移到{d}需要开什么证明",
        "{d}小区里有人搞传销，天天聚集",
        "楼上邻居深夜大声喧哗，多次沟通没用",
        "集体户口怎么迁出",
        "护照过期了在哪里换发",
        "{d}{r}有人用无人机偷拍居民楼",
    ],
    "health": [
        "在{h}看病，医生态度很差",
        "{h}挂号太难了，号源早上一放就没有",
        "孩子打疫苗要提前预约吗，在哪里打",
        "{h}乱收费，做了没开的检查",
        "{d}一家诊所没有行医资质",
        "想咨询二胎孕检在哪里建档",
        "{h}的急诊等了{n}个小时没人管",
        "社区卫生服务中心的家庭医生怎么签约",
        "医院食堂卫生不好，病人吃了不舒服",
        "反映{h}的护士给错了药",
    ],
    "nhsa": [
        "异地就医备案怎么办理",
        "医保卡丢了在哪里补办",
        "门诊慢特病待遇怎么申请",
        "住院费用报销比例是多少",
        "在外地看病回来报销需要什么单据",
        "新生儿怎么参加城乡居民医疗保险",
        "药店刷医保卡买生活用品，是否违规",
        "职工医保个人账户余额怎么查询",
        "大病保险二次报销什么时候到账",
        "退休人员医保缴费年限不够怎么办",
    ],
    "agri": [
        "{d}有人卖假种子，种下去不出苗",
        "村里的耕地被人占了盖厂房",
        "买的农药是假的，庄稼都死了",
        "咨询种粮补贴什么时候发放",
        "{d}养殖场污水直排到河里",
        "农村宅基地确权怎么办理",
        "大棚蔬菜补贴申请条件是什么",
        "村里的灌溉水渠坏了没人修",
        "土地流转合同纠纷找哪个部门",
        "病死猪被人偷偷拉去卖",
    ],
    "justice": [
        "想申请免费的法律援助，需要什么条件",
        "律师收了钱不办事，要投诉律所",
        "邻里纠纷想找人民调解员",
        "办理出国用的学历公证要多久",
        "遗嘱怎么做才有效，去哪里办理",
        "社区矫正人员的管理问题反映",
        "{d}的公证处收费太高",
        "老人被骗签了借款合同，怎么办",
    ],
    "civil": [
        "想给父母申请低保，需要什么条件",
        "{d}一家养老院虐待老人",
        "结婚登记需要预约吗，带什么材料",
        "殡葬服务收费太贵，乱加项目",
        "残疾人两项补贴怎么申请",
        "离婚冷静期是多长时间",
        "社区的老年食堂饭菜价格上涨",
        "流浪人员在{d}{r}桥下过夜，天冷了需要救助",
        "临时救助金申请了{n}天没有消息",
        "{d}社会组织借公益名义募捐，怀疑诈骗",
    ],
    "culture": [
        "在{p}被导游强制购物",
        "旅行社收了团费临时取消行程不退钱",
        "{p}的门票价格和网上公布的不一样",
        "{d}{r}一家网吧接纳未成年人上网",
        "演唱会门票被黄牛炒到{n}元",
        "{p}节假日太拥挤，安全隐患大",
        "酒店订好了到店说没房间",
        "{d}的KTV噪音太大到凌晨",
        "咨询导游证考试报名时间",
    ],
    "heritage": [
        "{d}{r}一栋老洋楼被私自拆改",
        "五大道的历史风貌建筑外墙被刷了广告",
        "施工时挖出了古代的砖瓦，应该报告给谁",
        "{d}的古建筑年久失修，屋顶漏雨",
        "有人在遗址保护范围里盖房子",
        "文物保护单位周围的违章建筑",
        "想咨询不可移动文物的修缮审批",
    ],
    "gsa": [
        "在政务服务中心排了{n}个小时队",
        "网上办事大厅登录不上，一直提示错误",
        "窗口工作人员让我跑了三次才办完",
        "{d}政务服务中心中午不办业务",
        "营业执照网上申请提交后没有反馈",
        "一网通办的电子证照在手机上打不开",
        "政务服务APP上的预约号没法取消",
        "办理事项要求提供的材料太多，重复提交",
        "自助终端机坏了很长时间没修",
    ],
}

CATEGORY_WEIGHTS = [
    ("consultation", 30),
    ("help", 22),
    ("complaint", 28),
    ("report", 10),
    ("suggestion", 7),
    ("praise", 3),
]

CHANNEL_WEIGHTS = [("phone", 70), ("web", 12), ("mobile", 10), ("social", 5), ("letter", 3)]

PREFIXES = ["", "", "", "您好，", "我想反映一下，", "市民来电：", "请问，", "麻烦帮忙看一下，", "来电人称"]
SUFFIXES = ["", "", "", "，希望尽快处理。", "，请相关部门核实。", "，谢谢。", "，已经反映过一次了。", "，急！"]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英"]


@dataclass(frozen=True)
class DemoTicket:
    department: str
    category: str
    channel: str
    region: str
    location: str
    title: str
    content: str
    caller_name: str
    caller_phone: str
    anonymous: bool
    template: int = 0


def _fill(rng: random.Random, template: str) -> tuple[str, str, str]:
    code, district, roads = rng.choice(DISTRICTS)
    road = rng.choice(roads)
    text = template.format(
        d=district,
        r=road,
        s=rng.choice(SHOPS),
        g=rng.choice(GOODS),
        c=rng.choice(COMPANIES),
        h=rng.choice(HOSPITALS),
        p=rng.choice(SCENIC),
        n=rng.choice([2, 3, 5, 8, 12, 20, 45, 300, 1500]),
    )
    return text, code, f"天津市{district}{road}"


def _weighted(rng: random.Random, options: list[tuple[str, int]]) -> str:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def tickets(count: int, *, seed: int = 12345) -> list[DemoTicket]:
    rng = random.Random(seed)
    departments = sorted(TEMPLATES)
    out: list[DemoTicket] = []
    for i in range(count):
        department = departments[i % len(departments)] if i < len(departments) else rng.choice(departments)
        template = rng.randrange(len(TEMPLATES[department]))
        body, region, location = _fill(rng, TEMPLATES[department][template])
        title = body[:24]
        content = rng.choice(PREFIXES) + body + rng.choice(SUFFIXES)
        anonymous = rng.random() < 0.15
        name = "" if anonymous else rng.choice(SURNAMES) + rng.choice(["先生", "女士", rng.choice(GIVEN)])
        phone = "" if anonymous else f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"
        out.append(
            DemoTicket(
                department=department,
                category=_weighted(rng, CATEGORY_WEIGHTS),
                channel=_weighted(rng, CHANNEL_WEIGHTS),
                region=region,
                location=location,
                title=title,
                content=content,
                caller_name=name,
                caller_phone=phone,
                anonymous=anonymous,
                template=template,
            )
        )
    return out


@dataclass(frozen=True)
class DemoEntry:
    category: str
    question: str
    variants: tuple[str, ...]
    answer: str
    source: str
    owner: str


# Hand-written entries first (the ones the demo and the browser test search for).
ENTRIES: list[DemoEntry] = [
    DemoEntry(
        "住房公积金",
        "住房公积金提取需要哪些材料？",
        ("公积金怎么取出来", "租房提取公积金", "gongjijin tiqu"),
        "租房提取：本人身份证、租房合同或无房证明；购房提取：购房合同、发票；还贷提取：借款合同。"
        "可通过天津公积金APP、网上服务大厅或各管理部柜台办理，审核通过后一般3个工作日内到账。",
        "天津市住房公积金管理中心《住房公积金提取管理办法》",
        "hpf",
    ),
    DemoEntry(
        "住房公积金",
        "公积金贷款额度如何计算？",
        ("公积金能贷多少钱", "公积金贷款上限"),
        "贷款额度按借款人及配偶缴存余额的倍数、还款能力和房价比例三者取低计算，单笔最高额度以当年公布为准。",
        "天津市住房公积金管理中心",
        "hpf",
    ),
    DemoEntry(
        "社会保险",
        "失业保险金怎么申领？",
        ("失业金怎么领", "失业了能领多少钱", "shiyejin"),
        "失业后在60日内通过天津人社APP或社区服务站申领，需本人社保卡；领取期限按累计缴费年限确定，最长24个月。",
        "《失业保险条例》、天津市人力资源和社会保障局",
        "hrss",
    ),
    DemoEntry(
        "劳动保障",
        "单位拖欠工资怎么办？",
        ("老板不发工资", "讨薪", "欠薪投诉"),
        "可向用工所在区人社局劳动保障监察大队投诉，或申请劳动人事争议仲裁；农民工欠薪可拨打12345转接专线。",
        "《保障农民工工资支付条例》",
        "hrss",
    ),
    DemoEntry(
        "户籍",
        "新生儿落户需要什么材料？",
        ("孩子出生怎么上户口", "新生儿上户口", "xinshenger luohu"),
        "父母双方身份证、户口簿、结婚证、《出生医学证明》；可在“出生一件事”线上联办，或到户籍派出所办理。",
        "天津市公安局人口管理",
        "psb",
    ),
    DemoEntry(
        "户籍",
        "身份证丢失如何补办？",
        ("身份证丢了", "补办身份证要多久"),
        "本人到任一派出所户籍窗口或出入境、政务服务中心公安窗口申请补领，可申领临时身份证；制证约15个工作日。",
        "《居民身份证法》",
        "psb",
    ),
    DemoEntry(
        "医疗保障",
        "异地就医备案怎么办理？",
        ("外地看病备案", "异地就医直接结算", "yidi jiuyi beian"),
        "通过国家医保服务平台APP或天津医保公众号在线备案，备案后在备案地定点医疗机构可直接结算。",
        "天津市医疗保障局",
        "nhsa",
    ),
    DemoEntry(
        "消费维权",
        "买到过期食品如何投诉？",
        ("超市卖过期食品", "食品过期投诉", "假一赔十"),
        "保留购物凭证和商品，向市场监管部门投诉举报；经营明知是不符合食品安全标准的食品，可要求赔偿价款十倍。",
        "《食品安全法》第一百四十八条",
        "amr",
    ),
    DemoEntry(
        "婚姻登记",
        "结婚登记需要带什么？",
        ("领结婚证材料", "结婚登记预约"),
        "双方本人身份证、户口簿、三张2寸双人近期半身免冠合影；可在天津市婚姻登记预约平台预约。",
        "《婚姻登记条例》",
        "civil",
    ),
    DemoEntry(
        "政务服务",
        "天津政务服务中心的办公时间？",
        ("政务服务中心几点上班", "办事大厅周末开门吗"),
        "周一至周五 9:00-12:00、13:30-17:00，法定节假日除外；部分事项提供周六延时服务，以当月公告为准。",
        "天津市政务服务办公室",
        "gsa",
    ),
]

# Generated entries: a topic per department, expanded with question forms.
TOPICS: dict[str, list[tuple[str, str]]] = {
    "hpf": [("公积金租房提取", "每月可提取"), ("公积金账户转移", "办理转移接续"), ("公积金缴存基数", "每年7月调整")],
    "hrss": [("养老保险缴费", "按月缴纳"), ("工伤认定", "30日内提出"), ("职业技能补贴", "取得证书后申请")],
    "psb": [("居住证办理", "居住满半年"), ("户口迁移", "准迁证明"), ("护照换发", "出入境窗口")],
    "nhsa": [("医保卡补办", "社保卡服务网点"), ("门诊慢特病", "定点医院申请"), ("大病保险", "自动结算")],
    "amr": [("营业执照办理", "全程网办"), ("预付卡消费", "保留合同"), ("价格欺诈", "明码标价")],
    "health": [("疫苗接种预约", "社区卫生服务中心"), ("家庭医生签约", "免费签约"), ("出生医学证明", "助产机构")],
    "civil": [("低保申请", "户籍地街道"), ("残疾人补贴", "两项补贴"), ("养老机构", "备案管理")],
    "justice": [("法律援助申请", "经济困难"), ("公证办理", "公证处"), ("人民调解", "免费调解")],
    "agri": [("种粮补贴", "每年发放"), ("宅基地确权", "不动产登记"), ("农药购买", "实名购买")],
    "culture": [("旅游投诉", "12345转办"), ("导游证", "全国统一考试"), ("演出票务", "实名购票")],
    "heritage": [("文物修缮审批", "文物部门审批"), ("历史风貌建筑", "保护名录"), ("考古发现报告", "立即报告")],
    "gsa": [("网上办事大厅", "统一身份认证"), ("电子证照", "亮证"), ("跨省通办", "异地代收")],
}
FORMS = ["{t}怎么办理？", "{t}需要什么材料？", "{t}在哪里办？", "{t}要多长时间？", "{t}有什么条件？", "{t}收费吗？"]
DISTRICT_NAMES = [d for _, d, _ in DISTRICTS]
CATEGORY_OF = {
    "hpf": "住房公积金",
    "hrss": "社会保险",
    "psb": "户籍",
    "nhsa": "医疗保障",
    "amr": "市场监管",
    "health": "医疗卫生",
    "civil": "民政",
    "justice": "法律服务",
    "agri": "农业农村",
    "culture": "文化旅游",
    "heritage": "文物保护",
    "gsa": "政务服务",
}


def entries(count: int, *, seed: int = 5130) -> list[DemoEntry]:
    """``count`` entries: the hand-written ones, then generated ones (district by district)."""
    out = list(ENTRIES[:count])
    rng = random.Random(seed)
    i = 0
    while len(out) < count:
        department = sorted(TOPICS)[i % len(TOPICS)]
        topic, hint = TOPICS[department][(i // len(TOPICS)) % len(TOPICS[department])]
        form = FORMS[(i // (len(TOPICS) * 3)) % len(FORMS)]
        district = DISTRICT_NAMES[(i // (len(TOPICS) * 3 * len(FORMS))) % len(DISTRICT_NAMES)]
        serial = i // (len(TOPICS) * 3 * len(FORMS) * len(DISTRICT_NAMES))
        suffix = f"（第{serial + 1}版）" if serial else ""
        question = f"{district}{form.format(t=topic)}{suffix}"
        answer = (
            f"{topic}：{hint}。{district}居民可通过天津网上办事大厅或{district}政务服务中心办理，"
            f"咨询电话12345。具体材料以办事指南为准（编号{rng.randint(1000, 9999)}）。"
        )
        out.append(
            DemoEntry(
                CATEGORY_OF[department],
                question,
                (f"{topic}的问题", f"{district}{topic}"),
                answer,
                f"{district}政务服务指南",
                department,
            )
        )
        i += 1
    return out
