"""A deterministic demo data set for a Chinese convenience-store-and-café chain.

The same ``seed`` and ``products`` always give the same catalogue, so a terminal and the central
platform seeded separately agree on every id and barcode. Plain dicts, shaped like the rows the
terminal's database and the sync protocol carry; no dependency on either side.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from stdnum import ean as stdnum_ean

from sync.protocol.members import mask_phone, phone_lookup_key

#: The catalogue's "other item": goods without a barcode, rung up at the price the cashier types
#: (when the store allows it, ``sale.open_price_item``). Its SKU is the convention both sides share.
OTHER_ITEM = {
    "id": 1_999_999_999,
    "sku": "MISC",
    "name_zh": "其他商品",
    "name_en": "Other item",
    "category_id": 5,
    "unit": "each",
    "price": 0,
    "member_price": None,
    "tax_class": "standard",
    "plu": None,
    "points_eligible": True,
    "active": True,
    "barcodes": [],
}

# (id, 中文, English, tax class, weighed, points eligible)
CATEGORIES = [
    (1, "饮料", "Beverages", "standard", False, True),
    (2, "乳制品", "Dairy", "reduced", False, True),
    (3, "零食", "Snacks", "standard", False, True),
    (4, "粮油调味", "Pantry", "reduced", False, True),
    (5, "日用品", "Household", "standard", False, True),
    (6, "个人护理", "Personal care", "standard", False, True),
    (7, "酒类", "Beer & wine", "standard", False, False),
    (8, "鲜食咖啡", "Café & fresh food", "service", False, True),
    (9, "水果", "Fruit", "reduced", True, True),
    (10, "蔬菜", "Vegetables", "reduced", True, True),
]

# category -> [(brand 中文, brand English, [(item 中文, item English), ...]), ...]
BRANDS = {
    1: [
        (
            "农夫山泉",
            "Nongfu Spring",
            [
                ("天然水", "Natural Water"),
                ("东方树叶茉莉花茶", "Oriental Leaf Jasmine Tea"),
                ("NFC橙汁", "NFC Orange Juice"),
                ("尖叫运动饮料", "Scream Sports Drink"),
            ],
        ),
        (
            "康师傅",
            "Master Kong",
            [("冰红茶", "Iced Black Tea"), ("绿茶", "Green Tea"), ("茉莉蜜茶", "Jasmine Honey Tea")],
        ),
        (
            "元气森林",
            "Genki Forest",
            [("苏打气泡水", "Sparkling Water"), ("外星人电解质水", "Alien Electrolyte Water")],
        ),
        ("可口可乐", "Coca-Cola", [("可乐", "Coke"), ("零度可乐", "Coke Zero"), ("雪碧", "Sprite")]),
        ("统一", "Uni-President", [("阿萨姆奶茶", "Assam Milk Tea"), ("冰糖雪梨", "Rock Sugar Pear Drink")]),
        ("王老吉", "Wong Lo Kat", [("凉茶", "Herbal Tea")]),
    ],
    2: [
        (
            "伊利",
            "Yili",
            [
                ("纯牛奶", "Whole Milk"),
                ("安慕希酸奶", "Ambrosial Yoghurt"),
                ("金典有机奶", "Satine Organic Milk"),
            ],
        ),
        (
            "蒙牛",
            "Mengniu",
            [("纯牛奶", "Whole Milk"), ("特仑苏", "Deluxe Milk"), ("真果粒", "Fruit Milk Drink")],
        ),
        ("光明", "Bright", [("鲜牛奶", "Fresh Milk"), ("莫斯利安酸奶", "Momchilovtsi Yoghurt")]),
        ("妙可蓝多", "Milkground", [("奶酪棒", "Cheese Sticks")]),
    ],
    3: [
        ("三只松鼠", "Three Squirrels", [("每日坚果", "Daily Nuts"), ("夏威夷果", "Macadamia Nuts")]),
        ("乐事", "Lay's", [("薯片", "Potato Chips")]),
        ("旺旺", "Want Want", [("雪饼", "Rice Crackers"), ("仙贝", "Senbei Crackers")]),
        ("奥利奥", "Oreo", [("夹心饼干", "Sandwich Cookies")]),
        ("好丽友", "Orion", [("巧克力派", "Choco Pie")]),
        ("卫龙", "Weilong", [("辣条", "Spicy Strips")]),
        ("洽洽", "ChaCheer", [("香瓜子", "Sunflower Seeds")]),
    ],
    4: [
        ("金龙鱼", "Arawana", [("大米", "Rice"), ("花生油", "Peanut Oil")]),
        ("海天", "Haitian", [("生抽", "Light Soy Sauce"), ("蚝油", "Oyster Sauce")]),
        ("老干妈", "Lao Gan Ma", [("风味豆豉", "Black Bean Chilli Sauce")]),
        ("李锦记", "Lee Kum Kee", [("蒸鱼豉油", "Seasoned Soy Sauce for Fish")]),
        ("太太乐", "Totole", [("鸡精", "Chicken Bouillon")]),
    ],
    5: [
        ("维达", "Vinda", [("抽纸", "Facial Tissue"), ("卷纸", "Toilet Roll")]),
        ("清风", "Breeze", [("抽纸", "Facial Tissue"), ("湿巾", "Wet Wipes")]),
        ("蓝月亮", "Bluemoon", [("洗衣液", "Laundry Liquid"), ("洗手液", "Hand Wash")]),
        ("立白", "Liby", [("洗洁精", "Dish Soap")]),
    ],
    6: [
        ("高露洁", "Colgate", [("牙膏", "Toothpaste"), ("牙刷", "Toothbrush")]),
        ("云南白药", "Yunnan Baiyao", [("牙膏", "Toothpaste")]),
        ("舒肤佳", "Safeguard", [("沐浴露", "Shower Gel"), ("香皂", "Bar Soap")]),
        ("海飞丝", "Head & Shoulders", [("洗发水", "Shampoo")]),
        ("六神", "Liushen", [("花露水", "Florida Water")]),
    ],
    7: [
        ("青岛", "Tsingtao", [("啤酒", "Beer"), ("纯生啤酒", "Draft Beer")]),
        ("雪花", "Snow", [("勇闯天涯啤酒", "Brave the World Beer")]),
        ("百威", "Budweiser", [("啤酒", "Beer")]),
        ("张裕", "Changyu", [("干红葡萄酒", "Dry Red Wine")]),
    ],
    8: [
        ("本店", "Our café", [("美式咖啡", "Americano"), ("拿铁", "Latte"), ("生椰拿铁", "Coconut Latte")]),
        (
            "本店",
            "Our kitchen",
            [
                ("金枪鱼饭团", "Tuna Onigiri"),
                ("关东煮套餐", "Oden Set"),
                ("鸡肉三明治", "Chicken Sandwich"),
                ("咖喱鸡肉便当", "Chicken Curry Bento"),
                ("茶叶蛋", "Tea Egg"),
            ],
        ),
    ],
}

# (size 中文, size English, lowest price, highest price) in fen
SIZES = {
    1: [
        ("550ml", "550ml", 200, 450),
        ("1.5L", "1.5L", 400, 900),
        ("330ml", "330ml", 250, 600),
        ("550ml×12", "550ml x12", 2400, 4800),
    ],
    2: [("250ml", "250ml", 300, 800), ("1L", "1L", 1200, 2500), ("250ml×12", "250ml x12", 4500, 8900)],
    3: [("70g", "70g", 450, 1200), ("150g", "150g", 800, 2000), ("500g", "500g", 2500, 6800)],
    4: [("5kg", "5kg", 3500, 8900), ("1.8L", "1.8L", 2500, 6500), ("500ml", "500ml", 800, 2200)],
    5: [("3包", "3 packs", 1500, 3500), ("10卷", "10 rolls", 2500, 5900), ("2kg", "2kg", 2500, 5500)],
    6: [("120g", "120g", 900, 2500), ("400ml", "400ml", 2500, 5900), ("200ml", "200ml", 1500, 3900)],
    7: [("500ml", "500ml", 500, 1200), ("330ml×6", "330ml x6", 2500, 5500), ("750ml", "750ml", 6800, 19800)],
    8: [("中杯", "regular", 1200, 2200), ("大杯", "large", 1500, 2800)],
}
CAFE_FOOD_PRICE = (500, 2500)
ITEM_SIZES = {
    "Facial Tissue": [("3包", "3 packs", 1500, 3500), ("6包", "6 packs", 2500, 5900)],
    "Toilet Roll": [("10卷", "10 rolls", 2500, 5900), ("27卷", "27 rolls", 5900, 9900)],
    "Wet Wipes": [("80片", "80 wipes", 900, 2000)],
    "Laundry Liquid": [("2kg", "2kg", 2500, 5500), ("1kg", "1kg", 1500, 3500)],
    "Hand Wash": [("500g", "500g", 1200, 2500)],
    "Dish Soap": [("1.12kg", "1.12kg", 900, 1900)],
    "Toothpaste": [("120g", "120g", 900, 2500), ("180g", "180g", 1500, 3900)],
    "Toothbrush": [("1支", "1 pc", 900, 2500), ("3支装", "3 pcs", 1900, 3900)],
    "Bar Soap": [("115g", "115g", 400, 900), ("3块装", "3 bars", 1000, 2200)],
    "Shower Gel": [("400ml", "400ml", 2500, 4900), ("720ml", "720ml", 3900, 6900)],
    "Shampoo": [("200ml", "200ml", 2500, 3900), ("400ml", "400ml", 3900, 6900)],
    "Florida Water": [("195ml", "195ml", 900, 1600)],
    "Rice": [("5kg", "5kg", 3500, 8900), ("2.5kg", "2.5kg", 2000, 4500)],
    "Peanut Oil": [("1.8L", "1.8L", 4500, 6900), ("5L", "5L", 9900, 16900)],
    "Chicken Bouillon": [("200g", "200g", 900, 1500)],
    "Black Bean Chilli Sauce": [("280g", "280g", 900, 1400)],
    "Cheese Sticks": [("100g", "100g", 1500, 2500), ("500g", "500g", 5500, 8900)],
}

# variants that make a large catalogue's names distinct; the empty one first
VARIANTS = {
    1: [("", ""), ("无糖", "Sugar-free"), ("白桃味", "White Peach"), ("柠檬味", "Lemon")],
    2: [("", ""), ("草莓味", "Strawberry"), ("黄桃味", "Yellow Peach"), ("低脂", "Low-fat")],
    3: [("", ""), ("原味", "Original"), ("烧烤味", "BBQ"), ("海盐味", "Sea Salt")],
    4: [("", ""), ("家庭装", "Family Pack"), ("经典", "Classic")],
    5: [("", ""), ("家庭装", "Family Pack"), ("无香", "Unscented")],
    6: [("", ""), ("清新薄荷", "Fresh Mint"), ("家庭装", "Family Pack")],
    7: [("", ""), ("经典", "Classic"), ("清爽", "Light")],
    8: [("", ""), ("冰", "Iced"), ("热", "Hot")],
}

WEIGHED = {
    9: [
        ("苹果", "Apples", 1298),
        ("香蕉", "Bananas", 698),
        ("橙子", "Oranges", 998),
        ("葡萄", "Grapes", 1998),
        ("西瓜", "Watermelon", 398),
        ("猕猴桃", "Kiwi Fruit", 1598),
        ("梨", "Pears", 898),
        ("芒果", "Mangoes", 1398),
    ],
    10: [
        ("西红柿", "Tomatoes", 798),
        ("黄瓜", "Cucumbers", 598),
        ("土豆", "Potatoes", 398),
        ("青椒", "Green Peppers", 698),
        ("大白菜", "Chinese Cabbage", 298),
        ("胡萝卜", "Carrots", 398),
        ("西兰花", "Broccoli", 998),
    ],
}

# The VAT classes of a general taxpayer's store and of a small-scale taxpayer's (3 %, reduced to 1 %).
TAX_CLASSES = [
    {"code": "standard", "rate_bp": 1300, "name_zh": "标准税率", "name_en": "Standard rate"},
    {"code": "reduced", "rate_bp": 900, "name_zh": "低税率（食品）", "name_en": "Reduced rate (food)"},
    {"code": "service", "rate_bp": 600, "name_zh": "服务", "name_en": "Services"},
    {"code": "exempt", "rate_bp": 0, "name_zh": "免税", "name_en": "Exempt"},
    {"code": "small_scale", "rate_bp": 300, "name_zh": "小规模纳税人 3%", "name_en": "Small-scale 3 %"},
    {
        "code": "small_scale_reduced",
        "rate_bp": 100,
        "name_zh": "小规模纳税人 1%",
        "name_en": "Small-scale 1 %",
    },
]

TIERS = [
    {
        "code": "regular",
        "name_zh": "普通会员",
        "name_en": "Member",
        "earn_multiplier_bp": 10_000,
        "member_prices": True,
    },
    {
        "code": "silver",
        "name_zh": "银卡会员",
        "name_en": "Silver",
        "earn_multiplier_bp": 12_000,
        "member_prices": True,
    },
    {
        "code": "gold",
        "name_zh": "金卡会员",
        "name_en": "Gold",
        "earn_multiplier_bp": 15_000,
        "member_prices": True,
    },
]

STAFF = [
    (1001, "王芳", "cashier"),
    (1002, "李娜", "cashier"),
    (2001, "张伟", "supervisor"),
    (3001, "刘洋", "manager"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
PHONE_PREFIXES = ["138", "139", "150", "186", "177", "135", "188", "158"]
MEMBER_LOOKUP_SALT = "o2o-demo-salt"


def ean13(body12: str) -> str:
    return body12 + stdnum_ean.calc_check_digit(body12)


@dataclass
class DemoDataset:
    categories: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    tiers: list[dict] = field(default_factory=list)
    tax_classes: list[dict] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)
    member_phones: dict[int, str] = field(default_factory=dict)  # for the platform and the demo only
    promotions: list[dict] = field(default_factory=list)
    campaigns: list[dict] = field(default_factory=list)
    staff: list[dict] = field(default_factory=list)
    stock: list[dict] = field(default_factory=list)
    pickup_orders: list[dict] = field(default_factory=list)
    # catalogue items that are not goods to pick from (the "other item"): loaded with the products
    other_items: list[dict] = field(default_factory=list)


def _weighed_products(start_id: int) -> Iterator[dict]:
    product_id = start_id
    plu = 10001
    for category_id, items in WEIGHED.items():
        for zh, en, price_per_kg in items:
            yield {
                "id": product_id,
                "sku": f"F{plu}",
                "name_zh": zh,
                "name_en": en,
                "category_id": category_id,
                "unit": "kg",
                "price": price_per_kg,
                "member_price": price_per_kg - 100 if plu % 3 == 0 else None,
                "tax_class": "reduced",
                "plu": str(plu),
                "points_eligible": True,
                "active": True,
                "barcodes": [],
            }
            product_id += 1
            plu += 1


def products(count: int, seed: int = 42) -> Iterator[dict]:
    """``count`` products: the weighed fruit and vegetables first, then packaged goods and café items.

    Names cycle through brand, item, size and variant, then a series number, so even a million
    products have distinct, realistic names.
    """
    rng = random.Random(seed)
    weighed = list(_weighed_products(1))
    yield from weighed[:count]
    categories = {c[0]: c for c in CATEGORIES}
    combos = []
    for category_id, brands in BRANDS.items():
        for brand_zh, brand_en, items in brands:
            for item_zh, item_en in items:
                combos.append((category_id, brand_zh, brand_en, item_zh, item_en))
    product_id = len(weighed) + 1
    n = 0
    while product_id <= count:
        category_id, brand_zh, brand_en, item_zh, item_en = combos[n % len(combos)]
        _cid, _zh, _en, tax_class, _weighed, points_eligible = categories[category_id]
        cycle = n // len(combos)
        sizes = ITEM_SIZES.get(item_en, SIZES[category_id])
        cafe_food = category_id == 8 and brand_en == "Our kitchen"
        size_zh, size_en, low, high = (
            ("1份", "", *CAFE_FOOD_PRICE) if cafe_food else sizes[cycle % len(sizes)]
        )
        variants = VARIANTS[category_id]
        variant_zh, variant_en = variants[(cycle // len(sizes)) % len(variants)]
        series = cycle // (len(sizes) * len(variants))
        suffix_zh = f" {series + 1}号" if series else ""
        suffix_en = f" No.{series + 1}" if series else ""
        price = max(rng.randint(low // 10, high // 10) * 10 - rng.choice((0, 0, 10, 20)), 100)
        name_zh = f"{brand_zh}{variant_zh}{item_zh} {size_zh}{suffix_zh}".strip()
        name_en = " ".join(p for p in (brand_en, variant_en, item_en, size_en) if p) + suffix_en
        gtin = ean13(f"69{product_id:010d}")
        yield {
            "id": product_id,
            "sku": f"A{product_id:07d}",
            "name_zh": name_zh,
            "name_en": name_en,
            "category_id": category_id,
            "unit": "each",
            "price": price,
            "member_price": price - max(price // 100 * 10, 10) if n % 9 == 0 else None,
            "tax_class": tax_class,
            "plu": None,
            "points_eligible": points_eligible,
            "active": True,
            "barcodes": [gtin.zfill(14)],
        }
        product_id += 1
        n += 1


def build(product_count: int = 2000, member_count: int = 200, seed: int = 42) -> DemoDataset:
    rng = random.Random(seed + 1)
    data = DemoDataset()
    data.categories = [{"id": c[0], "name_zh": c[1], "name_en": c[2], "parent_id": None} for c in CATEGORIES]
    data.tiers = [dict(t) for t in TIERS]
    data.tax_classes = [dict(t) for t in TAX_CLASSES]
    data.products = list(products(product_count, seed))
    data.stock = [
        {
            "product_id": p["id"],
            "on_hand": (rng.randint(5, 60) if p["unit"] == "kg" else rng.randint(0, 120)) * 1000,
        }
        for p in data.products
    ]
    data.other_items = [dict(OTHER_ITEM)]  # not stocked: no stock level
    for i in range(member_count):
        member_id = 100_001 + i
        phone = PHONE_PREFIXES[i % len(PHONE_PREFIXES)] + f"{rng.randint(0, 99_999_999):08d}"
        if i == 0:
            phone = "13800138000"  # the demo member, easy to type
        tier = "gold" if i % 10 == 0 else "silver" if i % 4 == 0 else "regular"
        data.member_phones[member_id] = phone
        data.members.append(
            {
                "id": member_id,
                "phone_hash": phone_lookup_key(phone, MEMBER_LOOKUP_SALT),
                "phone_masked": mask_phone(phone),
                "name_masked": SURNAMES[i % len(SURNAMES)] + "*",
                "tier": tier,
                "points_balance": 3000 if i == 0 else rng.randint(0, 5000),
                "marketing_consent": i % 3 == 0,
            }
        )
    data.promotions = [
        {
            "id": 1,
            "name_zh": "乳制品买二送一",
            "name_en": "Dairy: buy 2 get 1 free",
            "priority": 10,
            "offer": {
                "kind": "buy_n_get_m",
                "scope": "item",
                "buy": 2,
                "get": 1,
                "eligibility": {"category_ids": [2]},
            },
        },
        {
            "id": 2,
            "name_zh": "零食九折",
            "name_en": "Snacks 10% off",
            "priority": 20,
            "offer": {
                "kind": "percent_off",
                "scope": "item",
                "percent_bp": 1000,
                "eligibility": {"category_ids": [3]},
            },
        },
        {
            "id": 3,
            "name_zh": "全场满100减15",
            "name_en": "Spend 100, save 15",
            "priority": 50,
            "offer": {"kind": "spend_get_off", "scope": "basket", "threshold": 10000, "amount": 1500},
        },
    ]
    data.campaigns = [
        {
            "id": 1,
            "name_zh": "满50减10券",
            "name_en": "10 off 50 coupon",
            "single_use": True,
            "offline_allowed": True,
            "offline_max_value": 1000,
            "offer": {"kind": "spend_get_off", "scope": "basket", "threshold": 5000, "amount": 1000},
        },
        {
            "id": 2,
            "name_zh": "饮料八折券",
            "name_en": "Drinks 20% off coupon",
            "single_use": True,
            "offline_allowed": True,
            "offline_max_value": 500,
            "offer": {
                "kind": "percent_off",
                "scope": "basket",
                "percent_bp": 2000,
                "cap": 2000,
                "eligibility": {"category_ids": [1]},
            },
        },
        {
            "id": 3,
            "name_zh": "5元无门槛券",
            "name_en": "5 yuan off, no minimum",
            "single_use": True,
            "offline_allowed": False,
            "offline_max_value": None,
            "offer": {"kind": "amount_off", "scope": "basket", "amount": 500},
        },
    ]
    data.staff = [{"id": sid, "name": name, "role": role} for sid, name, role in STAFF]
    packaged = [p for p in data.products if p["unit"] == "each"][:3]
    if packaged:
        data.pickup_orders = [
            {
                "id": 900_001,
                "code": "246810",
                "status": "ready",
                "paid": True,
                "member_id": data.members[0]["id"] if data.members else None,
                "customer_masked": "王* 138****8000",
                "lines": [
                    {
                        "product_id": p["id"],
                        "sku": p["sku"],
                        "name_zh": p["name_zh"],
                        "name_en": p["name_en"],
                        "quantity": 1000 * (i + 1),
                        "amount": p["price"] * (i + 1),
                    }
                    for i, p in enumerate(packaged)
                ],
                "total": sum(p["price"] * (i + 1) for i, p in enumerate(packaged)),
            }
        ]
    return data


def staff_pins(seed: int = 42) -> dict[int, str]:
    """Demo PINs: 4 digits each, the same for a given seed (printed by ``pos-app demo-data``)."""
    rng = random.Random(seed + 7)
    return {sid: f"{rng.randint(0, 9999):04d}" for sid, _name, _role in STAFF}
