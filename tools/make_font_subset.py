"""Make the CJK font subset that the printed mark embeds (vc/fonts/VicMarkSans-Regular.ttf).

A development tool, run by hand when the characters a mark may print change; vic never subsets at
run time. The source is Noto Sans CJK SC Regular (SIL Open Font License 1.1) from Debian's
``fonts-noto-cjk`` package (``apt-get install fonts-noto-cjk``); docs/printing.md records the
version the shipped file was made from. Usage::

    python tools/make_font_subset.py \
        [--source /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc] \
        [--out vc/fonts/VicMarkSans-Regular.ttf]

What it does, each step deterministic (the same source gives the same bytes):

1. picks the face ``NotoSansCJKsc-Regular`` out of the collection;
2. keeps only the characters of :func:`characters` (the labels, plate characters and vehicle-type
   names are read from the code that prints them, so they cannot drift; the place names for
   authorities are listed below), without hinting and without layout tables (the PDF writer
   places glyphs one by one);
3. converts the CFF (PostScript) outlines to TrueType quadratic outlines, so that any PDF library
   can embed the file (ReportLab cannot embed CFF-outline fonts);
4. renames the family to "Vic Mark Sans" (a modified version under the OFL, so it does not carry
   the original's name) and records where it comes from in the name table;
5. writes it without touching the timestamps of the source's ``head`` table.

Needs fontTools (the ``dev`` extra), the version :data:`FONTTOOLS_VERSION`: cu2qu's curve fitting
changes between fontTools releases (4.60.1 and 4.69.1 fit three glyphs differently), so another
version gives other bytes; remake the subset and update docs/printing.md when it is upgraded.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from vic.vc.plate import PLATE_TYPES, PROVINCES, VEHICLE_TYPES  # noqa: E402
from vic.vc.printing import FONT_FAMILY, FONT_FILE, LABELS  # noqa: E402

FONTTOOLS_VERSION = "4.69.1"
"""The fontTools release the shipped subset was made with (docs/printing.md)."""

DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SOURCE_FACE = "NotoSansCJKsc-Regular"
DEFAULT_OUT = ROOT / "vc" / "fonts" / FONT_FILE

POSTSCRIPT_NAME = "VicMarkSans-Regular"
MAX_ERR = 2.0
"""The largest distance, in font units (1000 to the em), between a cubic curve and its quadratic
approximation: invisible at any print size."""

SPECIAL_PLATE_CHARACTERS = "使领学警港澳挂试超"
"""Plate characters that are not province abbreviations: embassy, consulate, coach, police, Hong
Kong, Macao, trailer, test vehicle, oversize (超限)."""

CALENDAR = "年月日"
PUNCTUATION = "（）·、，。：；—－《》“”‘’【】／"
"""Full-width punctuation authority names and numbers may use."""

AUTHORITY_WORDS = """
中华人民共和国 公安部 公安厅 公安局 交通管理局 交通警察 交警 总队 支队 大队 中队 车辆管理所 车管所
分所 分局 机动车 检验 合格 标志 管理处 管理科 直属 高速公路 新区 开发区 经济技术 高新技术 产业园区
保税区 地区 盟 旗 省 市 区 县 自治区 自治州 自治县 特别行政区 新疆生产建设兵团 师 第一 二 三 四 五
六 七 八 九 十 东 南 西 北 中 上 下 前 后 左 右 城 镇 乡 村 路 街 道 号 站 所 局 处 科 室 队 部
"""

PROVINCES_AND_CITIES = """
北京市 东城 西城 朝阳 海淀 丰台 石景山 门头沟 房山 通州 顺义 昌平 大兴 怀柔 平谷 密云 延庆
天津市 和平 河东 河西 南开 河北 红桥 东丽 西青 津南 北辰 武清 宝坻 滨海 宁河 静海 蓟州
上海市 黄浦 徐汇 长宁 静安 普陀 虹口 杨浦 闵行 宝山 嘉定 浦东 金山 松江 青浦 奉贤 崇明
重庆市 万州 涪陵 渝中 大渡口 江北 沙坪坝 九龙坡 南岸 北碚 綦江 大足 渝北 巴南 黔江 长寿 江津
合川 永川 南川 璧山 铜梁 潼南 荣昌 开州 梁平 武隆 城口 丰都 垫江 忠县 云阳 奉节 巫山 巫溪 石柱
秀山 酉阳 彭水
河北省 石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 雄安 定州 辛集
山西省 太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁
内蒙古自治区 呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布 兴安盟 锡林郭勒盟
阿拉善盟 满洲里 二连浩特
辽宁省 沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛
吉林省 长春 吉林 四平 辽源 通化 白山 松原 白城 延边朝鲜族自治州 长白山
黑龙江省 哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化 大兴安岭 农垦
江苏省 南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 昆山 江阴
浙江省 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水 义乌
安徽省 合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城
福建省 福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德 平潭
江西省 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶
山东省 济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 莱芜
河南省 郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店
济源
湖北省 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 恩施土家族苗族自治州 仙桃 潜江
天门 神农架林区
湖南省 长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底 湘西土家族苗族自治州
广东省 广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山
潮州 揭阳 云浮 顺德
广西壮族自治区 南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左
海南省 海口 三亚 三沙 儋州 洋浦 琼海 文昌 万宁 五指山 东方 定安 屯昌 澄迈 临高 白沙黎族自治县
昌江 乐东 陵水 保亭 琼中
四川省 成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中
资阳 阿坝藏族羌族自治州 甘孜藏族自治州 凉山彝族自治州
贵州省 贵阳 六盘水 遵义 安顺 毕节 铜仁 黔西南布依族苗族自治州 黔东南苗族侗族自治州
黔南布依族苗族自治州
云南省 昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧 楚雄彝族自治州 红河哈尼族彝族自治州
文山壮族苗族自治州 西双版纳傣族自治州 大理白族自治州 德宏傣族景颇族自治州 怒江傈僳族自治州
迪庆藏族自治州
西藏自治区 拉萨 日喀则 昌都 林芝 山南 那曲 阿里
陕西省 西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛 杨凌 韩城
甘肃省 兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 临夏回族自治州 甘南藏族自治州
青海省 西宁 海东 海北藏族自治州 黄南藏族自治州 海南藏族自治州 果洛藏族自治州 玉树藏族自治州
海西蒙古族藏族自治州 格尔木
宁夏回族自治区 银川 石嘴山 吴忠 固原 中卫
新疆维吾尔自治区 乌鲁木齐 克拉玛依 吐鲁番 哈密 昌吉回族自治州 博尔塔拉蒙古自治州
巴音郭楞蒙古自治州 阿克苏 克孜勒苏柯尔克孜自治州 喀什 和田 伊犁哈萨克自治州 塔城 阿勒泰 石河子
五家渠 阿拉尔 图木舒克 北屯 铁门关 双河 可克达拉 昆玉 胡杨河 新星 白杨
香港特别行政区 澳门特别行政区 台湾省
"""


def gb2312_level1() -> str:
    """The 3,755 level-1 (most common) hanzi of GB 2312, rows 16-55, from Python's codec."""
    out = []
    for row in range(0xB0, 0xD8):
        for cell in range(0xA1, 0xFF):
            try:
                out.append(bytes((row, cell)).decode("gb2312"))
            except UnicodeDecodeError:  # the five empty cells at the end of row 55
                continue
    return "".join(out)


def characters() -> str:
    """Every character the subset keeps, sorted by code point."""
    chars: set[str] = {chr(c) for c in range(0x20, 0x7F)}  # printable ASCII
    chars.update(gb2312_level1())
    chars.update(PROVINCES, SPECIAL_PLATE_CHARACTERS, CALENDAR, PUNCTUATION)
    for zh, en in LABELS.values():
        chars.update(zh, en)
    for vehicle_type in VEHICLE_TYPES.values():
        chars.update(vehicle_type.name_zh, vehicle_type.name_en)
    for plate_type in PLATE_TYPES.values():
        chars.update(plate_type.name_zh)
    chars.update(AUTHORITY_WORDS, PROVINCES_AND_CITIES)
    chars -= {"\n", "\t"}
    return "".join(sorted(chars))


def _load_face(source: Path) -> TTFont:
    if source.suffix.lower() in (".ttc", ".otc"):
        for face in TTCollection(str(source)).fonts:
            if face["name"].getDebugName(6) == SOURCE_FACE:
                return face
        raise SystemExit(f"{source} has no face {SOURCE_FACE}")
    face = TTFont(str(source))
    if face["name"].getDebugName(6) != SOURCE_FACE:
        raise SystemExit(f"{source} is not {SOURCE_FACE}")
    return face


def _subset(face: TTFont, text: str) -> None:
    options = subset.Options()
    options.layout_features = []  # no GSUB/GPOS features: glyphs are placed one by one
    options.hinting = False
    options.desubroutinize = True
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6, 13, 14]
    options.name_languages = [0x409]
    options.notdef_outline = True
    options.glyph_names = False
    options.drop_tables += ["VORG", "vhea", "vmtx", "DSIG", "BASE", "GDEF", "GPOS", "GSUB"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(face)


def _cff_to_glyf(face: TTFont) -> None:
    """Replace the CFF table by glyf/loca with the same glyphs (fontTools' otf2ttf recipe)."""
    glyph_order = face.getGlyphOrder()
    glyph_set = face.getGlyphSet()
    glyphs = {}
    for name in glyph_order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    face["loca"] = newTable("loca")
    glyf = face["glyf"] = newTable("glyf")
    glyf.glyphOrder = glyph_order
    glyf.glyphs = glyphs
    del face["CFF "]
    face["maxp"] = maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxZones",
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    maxp.numGlyphs = len(glyph_order)
    face["head"].glyphDataFormat = 0
    face["head"].indexToLocFormat = 0
    post = face["post"]
    post.formatType = 3.0  # no glyph names: the font is addressed by code point only
    post.extraNames = []
    post.mapping = {}
    face.sfntVersion = "\x00\x01\x00\x00"


def _rename(face: TTFont, source_version: str) -> None:
    name = face["name"]
    family = FONT_FAMILY.replace("VicMark", "Vic Mark ")
    version = f"Version 1.000; subset of Noto Sans CJK SC {source_version}"
    for name_id, value in (
        (1, family),
        (2, "Regular"),
        (3, f"{POSTSCRIPT_NAME};{source_version}"),
        (4, f"{family} Regular"),
        (5, version),
        (6, POSTSCRIPT_NAME),
        (
            10,
            "A subset of Noto Sans CJK SC Regular for vic's printed vehicle inspection marks, made "
            "by tools/make_font_subset.py: the characters such marks print, TrueType outlines.",
        ),
    ):
        name.setName(value, name_id, 3, 1, 0x409)
    name.names = [record for record in name.names if record.platformID == 3]
    name.names.sort(key=lambda record: (record.platformID, record.nameID))


def make_subset(source: Path, out: Path) -> tuple[int, int, str]:
    """Write the subset of ``source`` to ``out``; return (characters, bytes, sha256)."""
    face = _load_face(source)
    source_version = face["name"].getDebugName(5).split(";")[0].replace("Version ", "")
    text = characters()
    _subset(face, text)
    _cff_to_glyf(face)
    _rename(face, source_version)
    face.recalcTimestamp = False
    out.parent.mkdir(parents=True, exist_ok=True)
    face.save(str(out), reorderTables=True)
    check = TTFont(str(out))
    cmap = check.getBestCmap()
    missing = [c for c in text if ord(c) not in cmap]
    if missing:
        raise SystemExit(f"the source has no glyph for {''.join(missing)!r}")
    data = out.read_bytes()
    return len(text), len(data), hashlib.sha256(data).hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    count, size, digest = make_subset(args.source, args.out)
    print(f"{args.out}: {count} characters, {size} bytes, sha256 {digest}")


if __name__ == "__main__":
    main()
