"""The express carriers that serve rural China, with their standard codes (the codes the
tracking aggregators and carriers' own APIs use)."""

STANDARD_CARRIERS = [
    ("YZPY", "中国邮政"),
    ("EMS", "EMS"),
    ("SF", "顺丰速运"),
    ("ZTO", "中通快递"),
    ("YTO", "圆通速递"),
    ("STO", "申通快递"),
    ("YD", "韵达速递"),
    ("JD", "京东物流"),
    ("JTSD", "极兔速递"),
]
