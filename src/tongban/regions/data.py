"""GB/T 2260 administrative division codes the product ships with.

(code, Chinese name, English name, level, parent code). The full national table can be
loaded later; these are the regions of the 京津冀 and 川渝 federations and their
districts or prefecture-level cities.
"""

from __future__ import annotations

REGIONS: list[tuple[str, str, str, str, str | None]] = [
    ("110000", "北京市", "Beijing", "province", None),
    ("110101", "东城区", "Dongcheng District", "county", "110000"),
    ("110102", "西城区", "Xicheng District", "county", "110000"),
    ("110105", "朝阳区", "Chaoyang District", "county", "110000"),
    ("110106", "丰台区", "Fengtai District", "county", "110000"),
    ("110107", "石景山区", "Shijingshan District", "county", "110000"),
    ("110108", "海淀区", "Haidian District", "county", "110000"),
    ("110109", "门头沟区", "Mentougou District", "county", "110000"),
    ("110111", "房山区", "Fangshan District", "county", "110000"),
    ("110112", "通州区", "Tongzhou District", "county", "110000"),
    ("110113", "顺义区", "Shunyi District", "county", "110000"),
    ("110114", "昌平区", "Changping District", "county", "110000"),
    ("110115", "大兴区", "Daxing District", "county", "110000"),
    ("110116", "怀柔区", "Huairou District", "county", "110000"),
    ("110117", "平谷区", "Pinggu District", "county", "110000"),
    ("110118", "密云区", "Miyun District", "county", "110000"),
    ("110119", "延庆区", "Yanqing District", "county", "110000"),
    ("120000", "天津市", "Tianjin", "province", None),
    ("120101", "和平区", "Heping District", "county", "120000"),
    ("120102", "河东区", "Hedong District", "county", "120000"),
    ("120103", "河西区", "Hexi District", "county", "120000"),
    ("120104", "南开区", "Nankai District", "county", "120000"),
    ("120105", "河北区", "Hebei District", "county", "120000"),
    ("120106", "红桥区", "Hongqiao District", "county", "120000"),
    ("120110", "东丽区", "Dongli District", "county", "120000"),
    ("120111", "西青区", "Xiqing District", "county", "120000"),
    ("120112", "津南区", "Jinnan District", "county", "120000"),
    ("120113", "北辰区", "Beichen District", "county", "120000"),
    ("120114", "武清区", "Wuqing District", "county", "120000"),
    ("120115", "宝坻区", "Baodi District", "county", "120000"),
    ("120116", "滨海新区", "Binhai New Area", "county", "120000"),
    ("120117", "宁河区", "Ninghe District", "county", "120000"),
    ("120118", "静海区", "Jinghai District", "county", "120000"),
    ("120119", "蓟州区", "Jizhou District", "county", "120000"),
    ("130000", "河北省", "Hebei", "province", None),
    ("130100", "石家庄市", "Shijiazhuang", "prefecture", "130000"),
    ("130200", "唐山市", "Tangshan", "prefecture", "130000"),
    ("130300", "秦皇岛市", "Qinhuangdao", "prefecture", "130000"),
    ("130400", "邯郸市", "Handan", "prefecture", "130000"),
    ("130500", "邢台市", "Xingtai", "prefecture", "130000"),
    ("130600", "保定市", "Baoding", "prefecture", "130000"),
    ("130700", "张家口市", "Zhangjiakou", "prefecture", "130000"),
    ("130800", "承德市", "Chengde", "prefecture", "130000"),
    ("130900", "沧州市", "Cangzhou", "prefecture", "130000"),
    ("131000", "廊坊市", "Langfang", "prefecture", "130000"),
    ("131100", "衡水市", "Hengshui", "prefecture", "130000"),
    ("500000", "重庆市", "Chongqing", "province", None),
    ("500101", "万州区", "Wanzhou District", "county", "500000"),
    ("500103", "渝中区", "Yuzhong District", "county", "500000"),
    ("500105", "江北区", "Jiangbei District", "county", "500000"),
    ("500106", "沙坪坝区", "Shapingba District", "county", "500000"),
    ("500112", "渝北区", "Yubei District", "county", "500000"),
    ("510000", "四川省", "Sichuan", "province", None),
    ("510100", "成都市", "Chengdu", "prefecture", "510000"),
    ("510300", "自贡市", "Zigong", "prefecture", "510000"),
    ("510400", "攀枝花市", "Panzhihua", "prefecture", "510000"),
    ("510500", "泸州市", "Luzhou", "prefecture", "510000"),
    ("510600", "德阳市", "Deyang", "prefecture", "510000"),
    ("510700", "绵阳市", "Mianyang", "prefecture", "510000"),
]


def load_shipped_regions() -> int:
    """Create or update the shipped regions; returns how many there are. Idempotent."""
    from tongban.regions.models import Region

    existing = set(Region.objects.values_list("code", flat=True))
    if existing.issuperset(code for code, *_ in REGIONS):
        return len(REGIONS)
    for code, name, name_en, level, parent in REGIONS:
        Region.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "level": level, "parent_id": parent}
        )
    return len(REGIONS)
