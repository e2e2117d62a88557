"""Writes imagenet_labels.json: a friendly English and Chinese tag for each of the 1,000 ImageNet classes.

ImageNet's classes are too fine for a person's library (118 dog breeds, 5 cats, 13 monkeys) and some of their
names are WordNet's ("tusker", "ice bear", "sorrel"): each class is given a friendly tag, shared by the classes it
groups ("dog" for every breed), with its Chinese name; the ImageNet name stays beside it as the detail. The image
labeller's class probabilities are summed per tag (understand.image_label_tags), so "dog" is sure even when the
breed is not. Run from the repository root:

    .venv/bin/python resources/vocabulary/build_imagenet_labels.py

The class names, in the model's output order, come from torchvision (the same list every ImageNet model uses).

A tag that stands for one ImageNet class also gets that class's other WordNet names as English synonyms ("also":
ladybug is also ladybird and lady beetle, trash can also dustbin and garbage can), so a query may name it either
way (British and American English alike). They come from timm's copy of the WordNet lemmas of the ImageNet
synsets (timm is installed with open_clip). Left out: a tag that groups several classes (a breed's name is not a
name of "dog"), Latin binomials, a name of two tags, a word of the tag's own name, and UNCLEAR_NAMES, names whose
everyday sense is something else ("light" for a lighter, "painter" for a cougar).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

# tag | Chinese | category | ImageNet class indices (ranges a-b); every class belongs to exactly one line.
GROUPS = """
fish|鱼|animal|0,389,391-395,397
goldfish|金鱼|animal|1
shark|鲨鱼|animal|2-4
ray|鳐鱼|animal|5-6
chicken|鸡|animal|7-8
ostrich|鸵鸟|animal|9
bird|鸟|animal|10-20,80-83,85-86,91-93,95,135-143,146
bird of prey|猛禽|animal|21-23
owl|猫头鹰|animal|24
salamander|蝾螈|animal|25-29
frog|青蛙|animal|30-32
turtle|龟|animal|33-37
lizard|蜥蜴|animal|38-48
crocodile|鳄鱼|animal|49-50
dinosaur|恐龙|animal|51
snake|蛇|animal|52-68
trilobite|三叶虫|animal|69
spider|蜘蛛|animal|70,72-77
scorpion|蝎子|animal|71
tick|蜱虫|animal|78
centipede|蜈蚣|animal|79
peacock|孔雀|animal|84
parrot|鹦鹉|animal|87-90
hummingbird|蜂鸟|animal|94
toucan|巨嘴鸟|animal|96
duck|鸭子|animal|97-98
goose|鹅|animal|99
swan|天鹅|animal|100
elephant|大象|animal|101,385-386
echidna|针鼹|animal|102
platypus|鸭嘴兽|animal|103
kangaroo|袋鼠|animal|104
koala|考拉|animal|105
wombat|袋熊|animal|106
jellyfish|水母|animal|107
sea anemone|海葵|animal|108
coral|珊瑚|animal|109
worm|蠕虫|animal|110-111
seashell|海螺|animal|112,116-117
snail|蜗牛|animal|113-115
crab|螃蟹|animal|118-121,125
lobster|龙虾|animal|122-124
woodlouse|鼠妇|animal|126
stork|鹳|animal|127-128
spoonbill|琵鹭|animal|129
flamingo|火烈鸟|animal|130
heron|鹭|animal|131-133
crane (bird)|鹤|animal|134
pelican|鹈鹕|animal|144
penguin|企鹅|animal|145
whale|鲸|animal|147-148
dugong|儒艮|animal|149
sea lion|海狮|animal|150
dog|狗|animal|151-268
wolf|狼|animal|269-272
wild dog|野犬|animal|273-275
hyena|鬣狗|animal|276
fox|狐狸|animal|277-280
cat|猫|animal|281-285
cougar|美洲狮|animal|286
lynx|猞猁|animal|287
leopard|豹|animal|288-289
jaguar|美洲豹|animal|290
lion|狮子|animal|291
tiger|老虎|animal|292
cheetah|猎豹|animal|293
bear|熊|animal|294-295,297
polar bear|北极熊|animal|296
meerkat|猫鼬|animal|298-299
beetle|甲虫|animal|300,302-307
ladybug|瓢虫|animal|301
fly|苍蝇|animal|308
bee|蜜蜂|animal|309
ant|蚂蚁|animal|310
grasshopper|蚱蜢|animal|311-312
stick insect|竹节虫|animal|313
cockroach|蟑螂|animal|314
mantis|螳螂|animal|315
cicada|蝉|animal|316-317
lacewing|草蛉|animal|318
dragonfly|蜻蜓|animal|319-320
butterfly|蝴蝶|animal|321-326
starfish|海星|animal|327
sea urchin|海胆|animal|328
sea cucumber|海参|animal|329
rabbit|兔子|animal|330-332
hamster|仓鼠|animal|333
porcupine|刺猬|animal|334
squirrel|松鼠|animal|335
marmot|土拨鼠|animal|336
beaver|河狸|animal|337
guinea pig|豚鼠|animal|338
horse|马|animal|339
zebra|斑马|animal|340
pig|猪|animal|341-343
hippopotamus|河马|animal|344
cattle|牛|animal|345-346
bison|野牛|animal|347
sheep|羊|animal|348-349
goat|山羊|animal|350
antelope|羚羊|animal|351-353
camel|骆驼|animal|354
llama|羊驼|animal|355
weasel|鼬|animal|356-359
otter|水獭|animal|360
skunk|臭鼬|animal|361
badger|獾|animal|362
armadillo|犰狳|animal|363
sloth|树懒|animal|364
ape|猿|animal|365-369
monkey|猴子|animal|370-382
lemur|狐猴|animal|383-384
red panda|小熊猫|animal|387
panda|熊猫|animal|388
eel|鳗鱼|animal|390
lionfish|狮子鱼|animal|396
abacus|算盘|object|398
robe|长袍|clothing|399-400,887
accordion|手风琴|instrument|401
guitar|吉他|instrument|402,546
ship|轮船|vehicle|403,510,628
airplane|飞机|vehicle|404,895,908
airship|飞艇|vehicle|405
altar|祭坛|building|406
ambulance|救护车|vehicle|407
amphibious vehicle|水陆两用车|vehicle|408
clock|钟|object|409,530,892
beehive|蜂箱|object|410
apron|围裙|clothing|411
trash can|垃圾桶|object|412
gun|枪|object|413,763-764
backpack|背包|object|414,636
shop|商店|building|415,424,454,467,509,582,788,860,865
gymnastics|体操|sport|416,602,702
balloon|气球|object|417
pen|笔|object|418,563,749
bandage|创可贴|object|419
banjo|班卓琴|instrument|420
banister|栏杆|object|421
weights|杠铃哑铃|sport|422,543
barber chair|理发椅|furniture|423
barn|谷仓|building|425
barometer|气压计|object|426
barrel|桶|object|427,756
wheelbarrow|手推车|object|428
baseball|棒球|sport|429,981
basketball|篮球|sport|430
baby bed|婴儿床|furniture|431,516,520
woodwind|木管乐器|instrument|432,683
bathing cap|泳帽|clothing|433,793
towel|毛巾|object|434,533,591,700
bathtub|浴缸|object|435,876
car|汽车|vehicle|436,468,511,609,627,661,717,751,817
lighthouse|灯塔|building|437
laboratory glassware|实验器皿|object|438,712
hat|帽子|clothing|439,452,515,808,667
bottle|瓶子|object|440,720,737,898,907
glass|玻璃杯|object|441,572
bell tower|钟楼|building|442
bib|围兜|clothing|443
bicycle|自行车|vehicle|444,671
swimsuit|泳衣|clothing|445,638-639,842
binder|文件夹|object|446
binoculars|望远镜|object|447
birdhouse|鸟舍|object|448
boathouse|船屋|building|449
sled|雪橇|vehicle|450,537
tie|领带|clothing|451,457,906
bookcase|书柜|furniture|453
bottle cap|瓶盖|object|455
bow|弓|object|456
brass instrument|铜管乐器|instrument|513,566,875
brass plaque|铜牌|object|458
bra|文胸|clothing|459
breakwater|防波堤|scene|460
armour|盔甲|clothing|461,490,524
broom|扫帚|object|462
bucket|水桶|object|463
buckle|扣环|object|464
vest|背心|clothing|465
train|火车|vehicle|466,547,565,705,820
pot|锅|object|469,544,567,738,909
candle|蜡烛|object|470
cannon|大炮|object|471
canoe|独木舟|vehicle|472
can opener|开罐器|object|473
sweater|毛衣|clothing|474,841
car part|汽车零件|object|475,479,535,581,686
carousel|旋转木马|object|476
toolbox|工具箱|object|477
box|箱子|object|478,519,692
cash machine|取款机|object|480
cassette|磁带|object|481
audio player|音响播放器|object|482,485,605,754,848
castle|城堡|building|483
boat|船|vehicle|484,554,576,625,780,814,871,914
cello|大提琴|instrument|486
mobile phone|手机|object|487
chain|链条|object|488
fence|栅栏|object|489,716,912
chainsaw|电锯|object|491
chest|柜子|furniture|492-493,495,894
chime|管钟|instrument|494
stocking|长筒袜|object|496,806
church|教堂|building|497
cinema|电影院|building|498
knife|刀|object|499,623
cliff dwelling|崖居|building|500
cloak|斗篷|clothing|501,568,735,824
shoe|鞋|clothing|502,514,630,770,774
cocktail shaker|调酒器|object|503
mug|马克杯|object|504
coffee maker|咖啡壶|object|505,550
coil|线圈|object|506
lock|锁|object|507,695
keyboard|键盘|object|508,810,878
van|厢式车|vehicle|656,675,734
corkscrew|开瓶器|object|512
crane|起重机|object|517
helmet|头盔|clothing|518,560
slow cooker|慢炖锅|object|521
croquet ball|槌球|sport|522
crutch|拐杖|object|523
dam|水坝|building|525
desk|书桌|furniture|526
computer|电脑|object|527,590,620
telephone|电话|object|528,707
diaper|尿布|clothing|529
watch|手表|object|531,826
table|桌子|furniture|532
dishwasher|洗碗机|object|534
dock|码头|scene|536,718
dome|穹顶|building|538
doormat|门垫|object|539
drilling platform|钻井平台|building|540
drum|鼓|instrument|541,822
drumstick|鼓槌|object|542
fan|电风扇|object|545
entertainment center|电视柜|furniture|548
envelope|信封|object|549
cosmetics|化妆品|object|551,629,631,711,838
feather boa|羽毛围巾|clothing|552
file cabinet|文件柜|furniture|553
fire engine|消防车|vehicle|555
fire screen|火炉挡板|object|556
flagpole|旗杆|object|557
flute|长笛|instrument|558
chair|椅子|furniture|559,765,857
forklift|叉车|vehicle|561
fountain|喷泉|scene|562
bed|床|furniture|564
dress|连衣裙|clothing|578,601,655,689,775
truck|卡车|vehicle|569,864,867
gas mask|防毒面具|object|570,691
gas pump|加油机|object|571
go-kart|卡丁车|vehicle|573
golf ball|高尔夫球|sport|574
golf cart|高尔夫球车|vehicle|575
gong|锣|instrument|577
piano|钢琴|instrument|579,881
greenhouse|温室|building|580
guillotine|断头台|object|583
hair clip|发夹|object|584
hair spray|发胶|object|585
tank|坦克|vehicle|586,847
hammer|锤子|tool|587
basket|篮子|object|588,790
hand dryer|干手机|object|589
hard disk|硬盘|object|592
harmonica|口琴|instrument|593
harp|竖琴|instrument|594
farm machine|农机|vehicle|595,730,856,866
axe|斧头|tool|596
holster|枪套|object|597
home theater|家庭影院|object|598
honeycomb|蜂巢|object|599
hook|钩子|object|600
cart|马车|vehicle|603,690
hourglass|沙漏|object|604
iron|熨斗|object|606
jack-o'-lantern|南瓜灯|object|607
jeans|牛仔裤|clothing|608
jersey|球衣|clothing|610
jigsaw puzzle|拼图|object|611
rickshaw|人力车|vehicle|612
joystick|游戏手柄|object|613
kimono|和服|clothing|614
knee pad|护膝|clothing|615
knot|绳结|object|616
lab coat|白大褂|clothing|617
ladle|长柄勺|object|618,910
lamp|灯|object|619,818,846
lawn mower|割草机|object|621
lens cap|镜头盖|object|622
library|图书馆|building|624
lighter|打火机|object|626
loudspeaker|音箱|object|632
magnifying glass|放大镜|object|633
sawmill|锯木厂|building|634
compass|指南针|object|635
mailbox|邮箱|object|637
manhole cover|井盖|object|640
marimba|马林巴|instrument|642
maraca|沙锤|instrument|641
mask|面具|clothing|643,796
matchstick|火柴|object|644
maypole|五月柱|object|645
maze|迷宫|scene|646
measuring cup|量杯|object|647
medicine cabinet|药柜|furniture|648
megalith|巨石|scene|649
microphone|麦克风|object|650
microwave|微波炉|object|651
uniform|制服|clothing|652
milk can|牛奶罐|object|653
bus|公共汽车|vehicle|654,779,874
mitten|手套|clothing|658
bowl|碗|object|659,809
camper|房车|vehicle|660,757
modem|调制解调器|object|662
monastery|修道院|building|663
screen|屏幕|object|664,782
motor scooter|摩托车|vehicle|665,670
mortar|研钵|object|666
mosque|清真寺|building|668
mosquito net|蚊帐|object|669
tent|帐篷|object|672,915
computer mouse|鼠标|object|673
mousetrap|捕鼠器|object|674
muzzle|口套|object|676
nail|钉子|tool|677
neck brace|颈托|object|678
necklace|项链|object|679
baby bottle|奶瓶|object|680
notebook|笔记本|object|681
obelisk|方尖碑|building|682
ocarina|陶笛|instrument|684
speedometer|里程表|object|685
organ|管风琴|instrument|687
oscilloscope|示波器|object|688
paddle|桨|object|693
paddle wheel|明轮|object|694
paintbrush|画笔|tool|696
pajamas|睡衣|clothing|697
palace|宫殿|building|698
panpipe|排箫|instrument|699
parachute|降落伞|object|701
bench|长椅|furniture|703
parking meter|停车计时器|object|704
patio|露台|scene|706
pedestal|基座|object|708
pencil case|笔袋|object|709
pencil sharpener|卷笔刀|object|710
photocopier|复印机|object|713
pickaxe|镐|tool|714
spiked helmet|尖顶盔|clothing|715
piggy bank|存钱罐|object|719
pillow|枕头|object|721
ping-pong ball|乒乓球|sport|722
pinwheel|风车玩具|object|723
pirate ship|海盗船|vehicle|724
pitcher|水罐|object|725,899,901
woodworking plane|刨子|tool|726
planetarium|天文馆|building|727
plastic bag|塑料袋|object|728
plate rack|碗碟架|object|729
plunger|马桶搋子|tool|731
camera|相机|object|732,759
pole|杆子|object|733
pool table|台球桌|furniture|736
potter's wheel|陶轮|object|739
power drill|电钻|tool|740
prayer rug|祈祷毯|object|741
printer|打印机|object|742
prison|监狱|building|743
missile|导弹|object|657,744
projector|投影仪|object|745
hockey puck|冰球|sport|746
punching bag|沙袋|sport|747
purse|钱包|object|748,893
quilt|被子|object|750
racket|球拍|sport|752
radiator|暖气片|object|753
radio telescope|射电望远镜|object|755,807
fishing reel|渔线轮|object|758
refrigerator|冰箱|object|760
remote control|遥控器|object|761
restaurant|餐厅|building|762
rotisserie|烤肉架|object|766
eraser|橡皮|object|767
rugby ball|橄榄球|sport|768
ruler|尺子|tool|769,798
safe|保险箱|object|771
safety pin|别针|object|772
salt shaker|盐瓶|object|773
saxophone|萨克斯|instrument|776
scabbard|剑鞘|object|777
scale|秤|object|778
scoreboard|记分牌|object|781
screw|螺丝|tool|783
screwdriver|螺丝刀|tool|784
seat belt|安全带|object|785
sewing machine|缝纫机|object|786
shield|盾牌|object|787
paper screen|纸拉门|object|789
shopping cart|购物车|object|791
shovel|铲子|tool|792
shower curtain|浴帘|object|794
ski|滑雪|sport|795
sleeping bag|睡袋|object|797
sliding door|推拉门|object|799
slot machine|老虎机|object|800
snorkel|通气管|object|801
snowmobile|雪地摩托|vehicle|802
snowplow|扫雪车|vehicle|803
soap dispenser|皂液器|object|804
soccer ball|足球|sport|805
space heater|取暖器|object|811
space shuttle|航天飞机|vehicle|812
spatula|锅铲|object|813
spider web|蜘蛛网|object|815
spindle|纺锤|object|816
stage|舞台|scene|819
tram|有轨电车|vehicle|829
bridge|桥|building|821,839,888
stethoscope|听诊器|object|823
stone wall|石墙|scene|825
stove|炉子|object|827
strainer|滤网|object|828
stretcher|担架|object|830
sofa|沙发|furniture|831
stupa|佛塔|building|832
submarine|潜艇|vehicle|833
suit|西装|clothing|834
sundial|日晷|object|835
sunglasses|太阳镜|clothing|836-837
swab|拖把|object|840
swing|秋千|object|843
switch|开关|object|844
syringe|注射器|object|845
teapot|茶壶|object|849
teddy bear|泰迪熊|object|850
television|电视|object|851
tennis ball|网球|sport|852
thatched roof|茅草屋顶|building|853
curtain|窗帘|object|854,905
thimble|顶针|object|855
tile roof|瓦屋顶|building|858
toaster|烤面包机|object|859
toilet seat|马桶|object|861
torch|火炬|object|862
totem pole|图腾柱|object|863
tray|托盘|object|868
trench coat|风衣|clothing|869
tricycle|三轮车|vehicle|870
tripod|三脚架|object|872
triumphal arch|凯旋门|building|873
turnstile|旋转门|object|877
umbrella|雨伞|object|879
unicycle|独轮车|vehicle|880
vacuum cleaner|吸尘器|object|882
vase|花瓶|object|883
vault|拱顶|building|884
velvet|天鹅绒|object|885
vending machine|自动售货机|object|886
violin|小提琴|instrument|889
volleyball|排球|sport|890
waffle iron|华夫饼机|object|891
washbasin|洗手盆|object|896
washing machine|洗衣机|object|897
water tower|水塔|building|900
whistle|哨子|object|902
wig|假发|clothing|903
window screen|纱窗|object|904
wool|羊毛|object|911
shipwreck|沉船|scene|913
web page|网页|object|916
comic book|漫画书|object|917
crossword|填字游戏|object|918
street sign|路牌|object|919
traffic light|红绿灯|object|920
book|书|object|921
menu|菜单|object|922
plate|盘子|object|923
dip|蘸酱|food|924
soup|汤|food|925-926
dessert|甜点|food|927
ice cream|冰淇淋|food|928-929
bread|面包|food|930-932
burger|汉堡|food|933
hot dog|热狗|food|934
mashed potato|土豆泥|food|935
cabbage|卷心菜|food|936
broccoli|西兰花|food|937
cauliflower|花椰菜|food|938
squash|南瓜|food|939-942
cucumber|黄瓜|food|943
artichoke|洋蓟|food|944,946
pepper|甜椒|food|945
mushroom|蘑菇|plant|947,991-997
apple|苹果|food|948
strawberry|草莓|food|949
orange|橙子|food|950
lemon|柠檬|food|951
fig|无花果|food|952
pineapple|菠萝|food|953
banana|香蕉|food|954
jackfruit|菠萝蜜|food|955
custard apple|番荔枝|food|956
pomegranate|石榴|food|957
hay|干草|plant|958
pasta|意大利面|food|959
chocolate sauce|巧克力酱|food|960
dough|面团|food|961
meatloaf|肉饼|food|962
pizza|披萨|food|963
pie|馅饼|food|964
burrito|墨西哥卷饼|food|965
wine|葡萄酒|food|966
coffee|咖啡|food|967-968
eggnog|蛋酒|food|969
mountain|山|scene|970
bubble|泡泡|object|971
cliff|悬崖|scene|972,976
coral reef|珊瑚礁|scene|973
geyser|间歇泉|scene|974
lake|湖|scene|975
beach|海滩|scene|977-978
valley|山谷|scene|979
volcano|火山|scene|980
groom|新郎|person|982
scuba diver|潜水员|person|983
flower|花|plant|984-986
corn|玉米|food|987,998
nut|坚果|plant|988,990
rose hip|玫瑰果|plant|989
toilet paper|卫生纸|object|999
"""


# WordNet names of a class that a person mostly means something else by, or that name another thing.
UNCLEAR_NAMES = frozenset(
    {
        "amphibian", "ashcan", "beacon", "bell", "board", "bulwark", "cell", "chute", "claw", "comfort", "cro",
        "denim", "dike", "dyke", "groin", "hedgehog", "helix", "jack", "jak", "jean", "light", "mike", "mole",
        "napkin", "nipple", "nursery", "painter", "pick", "plectron", "plectrum", "puff", "red hot", "roundabout",
        "scope", "site", "sorrel", "speaker", "spiral", "sub", "sweet potato", "taper", "terrace", "tope",
        "trifle", "trolley", "wallaby", "walking stick", "washer", "wreck",
    }
)  # fmt: skip


def class_names() -> list[str]:
    from torchvision.models._meta import _IMAGENET_CATEGORIES

    return list(_IMAGENET_CATEGORIES)


def class_lemmas() -> list[list[str]]:
    """Each class's WordNet names (lemmas), in the model's output order, as written."""
    import timm

    folder = Path(timm.__file__).parent / "data" / "_info"
    synsets = (folder / "imagenet_synsets.txt").read_text(encoding="utf-8").split()
    lemmas = dict(
        line.split("\t", 1) for line in (folder / "imagenet_synset_to_lemma.txt").read_text().splitlines()
    )
    return [[name.strip() for name in lemmas[synset].split(",")] for synset in synsets]


def synonyms(tag_of: dict[int, str]) -> dict[str, list[str]]:
    """The English synonyms of each tag that stands for one class (see the module's docstring)."""
    tags = set(tag_of.values())
    classes_of: dict[str, list[int]] = {}
    for index, tag in tag_of.items():
        classes_of.setdefault(tag, []).append(index)
    named: dict[str, set[str]] = {}  # name -> the tags whose classes it names
    lemmas = class_lemmas()
    for index, names in enumerate(lemmas):
        for name in names:
            if not re.fullmatch(r"[A-Z][a-z]+ [a-z]+", name):  # "Panthera leo"
                named.setdefault(name.lower(), set()).add(tag_of[index])
    found = {}
    for tag, indices in classes_of.items():
        if len(indices) > 1:
            continue
        also = [
            name
            for name in dict.fromkeys(lemma.lower() for lemma in lemmas[indices[0]])
            if name in named and named[name] == {tag} and name not in tags and name not in UNCLEAR_NAMES
            and name not in tag.split() and len(name) >= 3
        ]  # fmt: skip
        if also:
            found[tag] = also
    return found


def parse_indices(text: str) -> list[int]:
    indices: list[int] = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        indices += range(int(first), int(last or first) + 1)
    return indices


def build() -> dict:
    names = class_names()
    terms, tag_of = [], {}
    for line in GROUPS.strip().splitlines():
        tag, zh, category, indices = line.split("|")
        terms.append({"name": tag, "zh": zh, "category": category})
        for index in parse_indices(indices):
            if index in tag_of:
                raise SystemExit(f"class {index} ({names[index]}) is in {tag_of[index]!r} and {tag!r}")
            tag_of[index] = tag
    missing = [f"{index} {names[index]}" for index in range(len(names)) if index not in tag_of]
    if missing:
        raise SystemExit("classes without a tag: " + ", ".join(missing))
    also = synonyms(tag_of)
    for term in terms:
        if term["name"] in also:
            term["also"] = also[term["name"]]
    return {
        "name": "imagenet_labels",
        "description": (
            "The image_labels model's (EfficientNet-Lite0, ImageNet) 1,000 classes as friendly tags with Simplified "
            "Chinese names, grouped where ImageNet is too fine (every dog breed is 'dog'); written by "
            "build_imagenet_labels.py; 'also': English synonyms of a tag that is one class (WordNet's). 'classes' gives, in the model's output order, each class's ImageNet name "
            "(the tag's detail) and its tag. min_probability (the tag's summed class probability a keyframe needs) "
            "was measured with benchmarks/calibrate_image_labels.py."
        ),
        "terms": terms,
        "classes": [{"imagenet": name, "tag": tag_of[index]} for index, name in enumerate(names)],
        # Measured by benchmarks/calibrate_image_labels.py: see its JSON output for the figures.
        "calibration": {"min_probability": 0.35, "max_tags": 5},
    }


def main() -> None:
    target = Path(__file__).with_name("imagenet_labels.json")
    document = build()
    if target.is_file():  # keep the measured calibration when the tags are rebuilt
        document["calibration"] = json.loads(target.read_text(encoding="utf-8")).get(
            "calibration", document["calibration"]
        )
    target.write_text(json.dumps(document, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{target}: {len(document['terms'])} tags for {len(document['classes'])} classes")


if __name__ == "__main__":
    main()
