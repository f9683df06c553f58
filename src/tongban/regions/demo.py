"""Demo departments of Beijing, Tianjin and Hebei (and a few of Chongqing and Sichuan).

Department codes are the same slug in every region (``amr`` is the market regulator wherever it
is), so demo data of other apps can say "the market regulator of 120000". Names, addresses and
phones follow each region's own naming (天津市市场监督管理委员会, 河北省人力资源和社会保障厅…).
Loading is idempotent: rows are keyed on (region, code).
"""

from __future__ import annotations

from typing import TextIO

from django.db import transaction

from tongban.regions.models import Department

WEEKDAYS = "周一至周五 9:00-12:00，13:30-17:00（法定节假日除外）"
WEEKDAYS_TJ = "周一至周五 9:00-17:00（法定节假日除外）"
WEEKDAYS_HB = "周一至周五 8:30-12:00，14:30-17:30（夏季）；8:30-12:00，14:00-17:00（冬季）"

# code → (English name, short name)
DEPARTMENT_KINDS: dict[str, tuple[str, str]] = {
    "gsa": ("Government Services Administration", "政务服务"),
    "amr": ("Administration for Market Regulation", "市场监管"),
    "hrss": ("Human Resources and Social Security", "人社"),
    "hpf": ("Housing Provident Fund Management Centre", "公积金"),
    "psb": ("Public Security Bureau", "公安"),
    "health": ("Health Commission", "卫健"),
    "nhsa": ("Healthcare Security Administration", "医保"),
    "agri": ("Agriculture and Rural Affairs", "农业农村"),
    "justice": ("Justice Bureau", "司法"),
    "civil": ("Civil Affairs", "民政"),
    "culture": ("Culture and Tourism", "文旅"),
    "heritage": ("Cultural Heritage Administration", "文物"),
    "hotline": ("12345 Government Service Hotline", "12345"),
    "tax": ("Tax Service", "税务"),
    "planning": ("Planning and Natural Resources", "规划资源"),
    "education": ("Education Commission", "教育"),
    "cdpf": ("Disabled Persons' Federation", "残联"),
}

# region → code → (name, address, phone, office hours)
DEPARTMENTS: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "110000": {
        "gsa": (
            "北京市政务服务和数据管理局",
            "北京市丰台区西三环南路1号（北京市政务服务中心）",
            "010-89150000",
            WEEKDAYS,
        ),
        "amr": ("北京市市场监督管理局", "北京市海淀区苏州街36号", "010-82691000", WEEKDAYS),
        "hrss": ("北京市人力资源和社会保障局", "北京市通州区承安路1号", "010-12333", WEEKDAYS),
        "hpf": ("北京住房公积金管理中心", "北京市西城区宣武门西大街甲127号", "010-12329", WEEKDAYS),
        "psb": ("北京市公安局", "北京市东城区前门东大街9号", "010-85225050", WEEKDAYS),
        "health": ("北京市卫生健康委员会", "北京市通州区紫运中路8号", "010-83970672", WEEKDAYS),
        "nhsa": ("北京市医疗保障局", "北京市通州区运河东大街57号", "010-89152500", WEEKDAYS),
        "agri": ("北京市农业农村局", "北京市西城区北展北街9号", "010-68318290", WEEKDAYS),
        "justice": ("北京市司法局", "北京市通州区清风路33号", "010-55578888", WEEKDAYS),
        "civil": ("北京市民政局", "北京市西城区西单北大街小酱坊胡同42号", "010-58122114", WEEKDAYS),
        "culture": ("北京市文化和旅游局", "北京市通州区运河东大街57号", "010-85157000", WEEKDAYS),
        "heritage": ("北京市文物局", "北京市东城区府学胡同36号", "010-64032023", WEEKDAYS),
        "hotline": ("北京市12345市民服务热线", "北京市丰台区西三环南路1号", "12345", "全天24小时"),
        "tax": ("国家税务总局北京市税务局", "北京市西城区车公庄大街10号", "010-12366", WEEKDAYS),
        "planning": ("北京市规划和自然资源委员会", "北京市通州区承安路1号", "010-55595000", WEEKDAYS),
        "education": ("北京市教育委员会", "北京市西城区前门西大街109号", "010-51992000", WEEKDAYS),
        "cdpf": ("北京市残疾人联合会", "北京市西城区西直门南大街甲2号", "010-68018088", WEEKDAYS),
    },
    "120000": {
        "gsa": ("天津市政务服务办公室", "天津市河西区隆昌路94号（天津市政务服务中心）", "022-58830000", WEEKDAYS_TJ),
        "amr": ("天津市市场监督管理委员会", "天津市河西区友谊路18号", "022-23356600", WEEKDAYS_TJ),
        "hrss": ("天津市人力资源和社会保障局", "天津市和平区南京路2号", "022-12333", WEEKDAYS_TJ),
        "hpf": ("天津市住房公积金管理中心", "天津市河西区围堤道146号", "022-12329", WEEKDAYS_TJ),
        "psb": ("天津市公安局", "天津市和平区唐山道26号", "022-23028110", WEEKDAYS_TJ),
        "health": ("天津市卫生健康委员会", "天津市和平区贵州路94号", "022-23337651", WEEKDAYS_TJ),
        "nhsa": ("天津市医疗保障局", "天津市河西区马场道127号", "022-23212255", WEEKDAYS_TJ),
        "agri": ("天津市农业农村委员会", "天津市河西区解放南路446号", "022-28301117", WEEKDAYS_TJ),
        "justice": ("天津市司法局", "天津市河西区友谊路26号", "022-23306000", WEEKDAYS_TJ),
        "civil": ("天津市民政局", "天津市河西区广东路253号", "022-28112099", WEEKDAYS_TJ),
        "culture": ("天津市文化和旅游局", "天津市河西区友谊路30号", "022-58883000", WEEKDAYS_TJ),
        "heritage": ("天津市文物局", "天津市河西区友谊路30号", "022-58883057", WEEKDAYS_TJ),
        "hotline": ("天津市12345政务服务便民热线", "天津市河西区隆昌路94号", "12345", "全天24小时"),
        "tax": ("国家税务总局天津市税务局", "天津市河西区友谊北路39号", "022-12366", WEEKDAYS_TJ),
        "planning": ("天津市规划和自然资源局", "天津市河西区九江路12号", "022-24130000", WEEKDAYS_TJ),
        "education": ("天津市教育委员会", "天津市河西区大沽南路410号", "022-23300000", WEEKDAYS_TJ),
        "cdpf": ("天津市残疾人联合会", "天津市河东区十一经路与六纬路交口", "022-24156100", WEEKDAYS_TJ),
    },
    "130000": {
        "gsa": (
            "河北省政务服务管理办公室",
            "河北省石家庄市桥西区维明南大街96号（河北省政务服务中心）",
            "0311-87808000",
            WEEKDAYS_HB,
        ),
        "amr": ("河北省市场监督管理局", "河北省石家庄市桥西区自强路33号", "0311-83051800", WEEKDAYS_HB),
        "hrss": ("河北省人力资源和社会保障厅", "河北省石家庄市桥西区和平西路36号", "0311-12333", WEEKDAYS_HB),
        "hpf": ("河北省省直住房资金管理中心", "河北省石家庄市桥西区新石中路220号", "0311-12329", WEEKDAYS_HB),
        "psb": ("河北省公安厅", "河北省石家庄市长安区裕华东路115号", "0311-86991000", WEEKDAYS_HB),
        "health": ("河北省卫生健康委员会", "河北省石家庄市长安区和平东路361号", "0311-66165600", WEEKDAYS_HB),
        "nhsa": ("河北省医疗保障局", "河北省石家庄市长安区中山东路361号", "0311-66180012", WEEKDAYS_HB),
        "agri": ("河北省农业农村厅", "河北省石家庄市裕华区东岗路97号", "0311-86677011", WEEKDAYS_HB),
        "justice": ("河北省司法厅", "河北省石家庄市桥西区维明南大街46号", "0311-87902000", WEEKDAYS_HB),
        "civil": ("河北省民政厅", "河北省石家庄市长安区建设北大街10号", "0311-86038301", WEEKDAYS_HB),
        "culture": ("河北省文化和旅游厅", "河北省石家庄市长安区中山东路210号", "0311-87905002", WEEKDAYS_HB),
        "heritage": ("河北省文物局", "河北省石家庄市长安区中山东路210号", "0311-87905117", WEEKDAYS_HB),
        "hotline": ("河北省12345政务服务便民热线", "河北省石家庄市桥西区维明南大街96号", "12345", "全天24小时"),
        "tax": ("国家税务总局河北省税务局", "河北省石家庄市桥西区红旗大街18号", "0311-12366", WEEKDAYS_HB),
        "planning": ("河北省自然资源厅", "河北省石家庄市裕华区体育南大街241号", "0311-66671000", WEEKDAYS_HB),
        "education": ("河北省教育厅", "河北省石家庄市桥西区裕华西路328号", "0311-66005000", WEEKDAYS_HB),
        "cdpf": ("河北省残疾人联合会", "河北省石家庄市桥西区维明南大街61号", "0311-87021000", WEEKDAYS_HB),
    },
    "500000": {
        "gsa": ("重庆市人民政府办公厅（政务服务管理办公室）", "重庆市渝北区青枫北路8号", "023-67701234", WEEKDAYS),
        "amr": ("重庆市市场监督管理局", "重庆市渝北区青枫北路18号", "023-63721789", WEEKDAYS),
        "hrss": ("重庆市人力资源和社会保障局", "重庆市渝中区中山三路161号", "023-12333", WEEKDAYS),
        "hpf": ("重庆市住房公积金管理中心", "重庆市渝中区临江路20号", "023-12329", WEEKDAYS),
    },
    "510000": {
        "gsa": ("四川省政务服务和公共资源交易服务中心", "四川省成都市武侯区锦悦西路1号", "028-69910000", WEEKDAYS),
        "amr": ("四川省市场监督管理局", "四川省成都市青羊区东城根上街95号", "028-86603939", WEEKDAYS),
        "hrss": ("四川省人力资源和社会保障厅", "四川省成都市青羊区东城根上街65号", "028-12333", WEEKDAYS),
        "hpf": ("四川省省级住房公积金管理中心", "四川省成都市武侯区人民南路四段", "028-12329", WEEKDAYS),
    },
}

# A few sub-provincial departments (行政审批局 of 滨海新区 and 石家庄, a Beijing district centre).
LOCAL_DEPARTMENTS: dict[str, dict[str, tuple[str, str, str, str]]] = {
    "120116": {
        "gsa": ("天津市滨海新区行政审批局", "天津市滨海新区于家堡融创中心A座", "022-65306000", WEEKDAYS_TJ),
    },
    "130100": {
        "gsa": ("石家庄市行政审批局", "河北省石家庄市长安区中山东路39号", "0311-86686000", WEEKDAYS_HB),
    },
    "110105": {
        "gsa": ("北京市朝阳区政务服务管理局", "北京市朝阳区工人体育场东路朝阳区政务服务中心", "010-65094000", WEEKDAYS),
    },
}


def load(*, stdout: TextIO) -> None:
    created = 0
    total = 0
    with transaction.atomic():
        for table in (DEPARTMENTS, LOCAL_DEPARTMENTS):
            for region, departments in table.items():
                for code, (name, address, phone, hours) in departments.items():
                    name_en, short = DEPARTMENT_KINDS[code]
                    _, was_created = Department.objects.update_or_create(
                        region_id=region,
                        code=code,
                        defaults={
                            "name": name,
                            "name_en": name_en,
                            "short_name": short,
                            "address": address,
                            "phone": phone,
                            "office_hours": hours,
                        },
                    )
                    created += was_created
                    total += 1
    stdout.write(f"departments: {total} ({created} new) in {len(DEPARTMENTS) + len(LOCAL_DEPARTMENTS)} regions\n")
