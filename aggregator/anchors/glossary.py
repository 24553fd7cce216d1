"""Curated English/Chinese glossary of AI-news entities, used as language-neutral anchors.

A Chinese translation renders most outlets, companies, people and places in Chinese
(彭博社, 英伟达, 奥特曼) while the English original uses the Latin name; both map to one
canonical key (``bloomberg``, ``nvidia``, ``altman``) so the linker can compare them. The table
covers the entities that recur in AI news in general (not one replica's pairs): outlets,
companies and labs, people, products, places and institutions, plus a few topic terms that
translators render consistently.

Extend it without editing this file: ``DEFAULT_GLOSSARY.extended(load_glossary_text(text))``
or ``load_glossary_file(path)`` with lines in the same ``key | en; en | zh; zh`` format (or a JSON
list of ``{"key", "kind", "en": [...], "zh": [...]}``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

__all__ = [
    "DEFAULT_GLOSSARY",
    "Glossary",
    "GlossaryEntry",
    "GlossaryMatch",
    "load_glossary_file",
    "load_glossary_text",
]

ENTITY_KINDS = ("outlet", "company", "person", "product", "place", "org", "topic")


@dataclass(frozen=True)
class GlossaryEntry:
    """One entity: a canonical key, its kind and its spellings in each language.

    English aliases are matched case-insensitively on word boundaries unless they are listed in
    ``en_exact`` (aliases that are also common English words, e.g. the magazine "Time").
    """

    key: str
    kind: str
    en: tuple[str, ...] = ()
    zh: tuple[str, ...] = ()
    en_exact: tuple[str, ...] = ()


@dataclass(frozen=True)
class GlossaryMatch:
    start: int
    end: int
    key: str
    kind: str


# Format: "[kind]" starts a block; then "key | English aliases | Chinese aliases", aliases
# separated by ";". An English alias prefixed with "=" is matched case-sensitively (it is also a
# common word). Keys are lower-case ASCII; several Chinese spellings of one name are common
# (奥特曼/阿尔特曼) and all belong on one line.
_DEFAULT_TABLE = """
[outlet]
bloomberg | Bloomberg; Bloomberg News; Bloomberg Businessweek | 彭博社; 彭博; 彭博商业周刊
reuters | Reuters | 路透社; 路透
wsj | The Wall Street Journal; Wall Street Journal; WSJ | 华尔街日报; 华日
ft | Financial Times; =FT | 金融时报; 金融时报中文网
nyt | The New York Times; New York Times; NYT | 纽约时报
wapo | The Washington Post; Washington Post | 华盛顿邮报
guardian | The Guardian; =Guardian | 卫报
ap | Associated Press; =AP | 美联社
afp | Agence France-Presse; =AFP | 法新社
bbc | BBC; BBC News | 英国广播公司; BBC
cnbc | CNBC | CNBC; 美国消费者新闻与商业频道
cnn | CNN | 美国有线电视新闻网; CNN
nbc | NBC News; =NBC | 美国全国广播公司; NBC
cbs | CBS News; =CBS | 哥伦比亚广播公司
abc_news | ABC News | 美国广播公司
fox | Fox News; Fox Business | 福克斯新闻; 福克斯商业
npr | NPR | 美国国家公共电台
axios | Axios | Axios; 阿克西奥斯
politico | Politico | 《政客》; 政客新闻网
the_information | The Information | 科技媒体The Information
business_insider | Business Insider | 商业内幕
mit_tech_review | MIT Technology Review; Technology Review | 麻省理工科技评论; 麻省理工学院技术评论
wired | =Wired; =WIRED | 《连线》; 连线杂志
the_verge | The Verge | The Verge
techcrunch | TechCrunch | TechCrunch; 科技博客TechCrunch
ars_technica | Ars Technica | Ars Technica
engadget | Engadget | 瘾科技
venturebeat | VentureBeat | VentureBeat
zdnet | ZDNet | ZDNet
cnet | CNET | CNET
semafor | Semafor | Semafor
the_atlantic | The Atlantic | 大西洋月刊; 大西洋杂志
new_yorker | The New Yorker; New Yorker | 纽约客
economist | The Economist; =Economist | 经济学人
forbes | Forbes | 福布斯
fortune | =Fortune | 财富杂志; 《财富》
time | =Time; =TIME; Time magazine | 时代周刊; 时代杂志
variety | =Variety | 《综艺》; 综艺杂志
hollywood_reporter | The Hollywood Reporter; Hollywood Reporter | 好莱坞报道者; 好莱坞报道
deadline | =Deadline | 截止日期网站
scmp | South China Morning Post; =SCMP | 南华早报
nikkei | Nikkei Asia; Nikkei | 日经亚洲; 日经新闻; 日本经济新闻; 日经
xinhua | Xinhua | 新华社
caixin | Caixin | 财新; 财新网
global_times | Global Times | 环球时报
china_daily | China Daily | 中国日报
yahoo_finance | Yahoo Finance | 雅虎财经
barrons | Barron's | 巴伦周刊
la_times | Los Angeles Times; LA Times | 洛杉矶时报
usa_today | USA Today | 今日美国
fast_company | Fast Company | 快公司
new_scientist | New Scientist | 新科学家
nature_journal | =Nature | 自然杂志; 《自然》
science_journal | =Science | 《科学》
ieee_spectrum | IEEE Spectrum | IEEE综合技术
404_media | 404 Media | 404 Media
rest_of_world | Rest of World | Rest of World
the_register | The Register | The Register
tom_hardware | Tom's Hardware | Tom's Hardware
digitimes | DigiTimes | 电子时报
the_decoder | The Decoder | The Decoder
platformer | Platformer | Platformer
stratechery | Stratechery | Stratechery
google_blog | Google Blog; The Keyword | 谷歌博客; Google博客
openai_blog | OpenAI Blog | OpenAI博客; OpenAI官方博客
anthropic_news | Anthropic News; Anthropic Blog | Anthropic新闻; Anthropic博客; Anthropic官方新闻
nvidia_blog | NVIDIA Blog; Nvidia Blog | 英伟达博客
microsoft_blog | Microsoft Blog | 微软博客
meta_blog | Meta AI Blog; Meta Newsroom | Meta博客
youtube | YouTube | 油管; YouTube
spotify | Spotify | Spotify; 声田
dwarkesh | Dwarkesh Podcast; Dwarkesh | Dwarkesh播客
lex_fridman | Lex Fridman | 莱克斯·弗里德曼
hard_fork | Hard Fork | Hard Fork播客

[company]
openai | OpenAI | OpenAI; 开放人工智能
anthropic | Anthropic | Anthropic; 安思睿
google | Google; Alphabet | 谷歌; 字母表公司; Alphabet
deepmind | DeepMind; Google DeepMind | 深度思维; DeepMind
microsoft | Microsoft | 微软
apple | Apple | 苹果公司; 苹果
amazon | Amazon | 亚马逊
aws | AWS; Amazon Web Services | 亚马逊云科技; 亚马逊云; 亚马逊网络服务
meta | =Meta; Meta Platforms | Meta; 元平台
facebook | Facebook | 脸书
instagram | Instagram | Instagram; 照片墙
whatsapp | WhatsApp | WhatsApp
nvidia | Nvidia; NVIDIA | 英伟达
intel | Intel | 英特尔
amd | =AMD | 超威半导体; 超微半导体; 超威
qualcomm | Qualcomm | 高通
arm | =Arm; =ARM | 安谋
tsmc | TSMC; Taiwan Semiconductor | 台积电
samsung | Samsung | 三星
sk_hynix | SK Hynix | SK海力士; 海力士
micron | Micron | 美光
broadcom | Broadcom | 博通
asml | ASML | 阿斯麦
oracle | Oracle | 甲骨文
ibm | IBM | 国际商业机器
cisco | Cisco | 思科
dell | =Dell | 戴尔
hp | Hewlett Packard Enterprise; =HPE; =HP | 惠普
salesforce | Salesforce | 赛富时; Salesforce
adobe | Adobe | 奥多比
netflix | Netflix | 网飞; 奈飞
disney | Disney | 迪士尼
warner_bros | Warner Bros. Discovery; Warner Bros | 华纳兄弟探索; 华纳兄弟
universal | Universal Music; Universal Pictures | 环球音乐; 环球影业
sony | Sony | 索尼
softbank | SoftBank | 软银
tesla | Tesla | 特斯拉
spacex | SpaceX | SpaceX; 太空探索技术公司
xai | xAI | xAI
x_twitter | Twitter | 推特
uber | Uber | 优步
waymo | Waymo | Waymo; 慧摩
huawei | Huawei | 华为
baidu | Baidu | 百度
alibaba | Alibaba | 阿里巴巴; 阿里
tencent | Tencent | 腾讯
bytedance | ByteDance | 字节跳动
tiktok | TikTok | TikTok; 抖音
deepseek | DeepSeek | 深度求索; DeepSeek
moonshot | Moonshot AI | 月之暗面
zhipu | Zhipu; Zhipu AI; Z.ai | 智谱; 智谱AI; 智谱华章
minimax | MiniMax | MiniMax; 稀宇科技
sensetime | SenseTime | 商汤科技; 商汤
iflytek | iFlytek | 科大讯飞; 讯飞
xiaomi | Xiaomi | 小米
lenovo | Lenovo | 联想
smic | =SMIC | 中芯国际
cambricon | Cambricon | 寒武纪
unitree | Unitree | 宇树科技; 宇树
mistral | Mistral; Mistral AI | Mistral; 米斯特拉尔
cohere | =Cohere | Cohere
perplexity | =Perplexity | Perplexity
hugging_face | Hugging Face | 抱抱脸; Hugging Face
stability_ai | Stability AI | Stability AI
midjourney | Midjourney | Midjourney
runway | =Runway | Runway
character_ai | Character.AI; Character AI | Character.AI
scale_ai | Scale AI | Scale AI
databricks | Databricks | Databricks
snowflake | Snowflake | Snowflake; 雪花公司
palantir | Palantir | Palantir; 帕兰提尔
coreweave | CoreWeave | CoreWeave
figure_ai | Figure AI | Figure AI
boston_dynamics | Boston Dynamics | 波士顿动力
cerebras | Cerebras | Cerebras
groq | Groq | Groq
safe_superintelligence | Safe Superintelligence | 安全超级智能公司
thinking_machines | Thinking Machines Lab; Thinking Machines | Thinking Machines
cursor | Anysphere | Anysphere
github | GitHub | GitHub
linkedin | LinkedIn | 领英
reddit | Reddit | Reddit
canva | Canva | Canva
shopify | Shopify | Shopify
jpmorgan | JPMorgan; JPMorgan Chase; JP Morgan | 摩根大通
goldman_sachs | Goldman Sachs | 高盛
morgan_stanley | Morgan Stanley | 摩根士丹利; 大摩
blackrock | BlackRock | 贝莱德
sequoia | Sequoia Capital; Sequoia | 红杉资本; 红杉
a16z | Andreessen Horowitz; a16z | 安德森·霍洛维茨; a16z
thrive_capital | Thrive Capital | Thrive Capital
unitedhealth | UnitedHealth | 联合健康
walmart | Walmart | 沃尔玛
foxconn | Foxconn | 富士康; 鸿海

[person]
altman | Sam Altman; Altman | 奥特曼; 阿尔特曼; 山姆·奥特曼; 萨姆·奥尔特曼; 奥尔特曼
musk | Elon Musk; Musk | 马斯克; 埃隆·马斯克
amodei | Dario Amodei; Daniela Amodei; Amodei | 阿莫迪; 达里奥·阿莫代伊; 阿莫代伊
brockman | Greg Brockman; Brockman | 布罗克曼
sutskever | Ilya Sutskever; Sutskever | 苏茨克维; 苏茨克弗
murati | Mira Murati; Murati | 穆拉蒂
friar | Sarah Friar | 莎拉·弗莱尔; 弗莱尔
zuckerberg | Mark Zuckerberg; Zuckerberg | 扎克伯格
nadella | Satya Nadella; Nadella | 纳德拉
pichai | Sundar Pichai; Pichai | 皮查伊; 劈柴
hassabis | Demis Hassabis; Hassabis | 哈萨比斯
suleyman | Mustafa Suleyman; Suleyman | 苏莱曼
jensen_huang | Jensen Huang; =Huang | 黄仁勋
kress | Colette Kress; =Kress | 克雷斯
lisa_su | Lisa Su | 苏姿丰
masayoshi_son | Masayoshi Son | 孙正义
bezos | Jeff Bezos; Bezos | 贝索斯
jassy | Andy Jassy; Jassy | 贾西
tim_cook | Tim Cook | 库克; 蒂姆·库克
benioff | Marc Benioff; Benioff | 贝尼奥夫
ellison | Larry Ellison; Ellison | 埃里森
lecun | Yann LeCun; LeCun | 杨立昆; 勒昆
hinton | Geoffrey Hinton; Hinton | 辛顿; 欣顿
bengio | Yoshua Bengio; Bengio | 本吉奥
fei_fei_li | Fei-Fei Li | 李飞飞
andrew_ng | Andrew Ng | 吴恩达
karpathy | Andrej Karpathy; Karpathy | 卡帕西
alexandr_wang | Alexandr Wang | 亚历山大·王
liang_wenfeng | Liang Wenfeng | 梁文锋
robin_li | Robin Li | 李彦宏
pony_ma | Pony Ma | 马化腾
jack_ma | Jack Ma | 马云
lei_jun | Lei Jun | 雷军
ren_zhengfei | Ren Zhengfei | 任正非
trump | Donald Trump; Trump | 特朗普; 川普
biden | Joe Biden; Biden | 拜登
vance | JD Vance; J.D. Vance; =Vance | 万斯
xi_jinping | Xi Jinping | 习近平
von_der_leyen | Ursula von der Leyen; von der Leyen | 冯德莱恩
starmer | Keir Starmer; Starmer | 斯塔默
macron | Emmanuel Macron; Macron | 马克龙
modi | Narendra Modi; =Modi | 莫迪
lutnick | Howard Lutnick; Lutnick | 卢特尼克
sacks | David Sacks | 戴维·萨克斯
khan | Lina Khan | 莉娜·汗
thiel | Peter Thiel; Thiel | 蒂尔
hoffman | Reid Hoffman | 里德·霍夫曼
steinberger | Peter Steinberger; Steinberger | 施泰因贝格尔

[product]
chatgpt | ChatGPT | ChatGPT
claude | Claude | Claude; 克劳德
gemini | Gemini | Gemini; 双子座
copilot | Copilot | Copilot
llama | Llama | Llama; 羊驼
grok | Grok | Grok
qwen | Qwen | 通义千问; 千问; Qwen
ernie | ERNIE; Ernie Bot | 文心一言; 文心
doubao | Doubao | 豆包
kimi | Kimi | Kimi
hunyuan | Hunyuan | 混元
sora | Sora | Sora
veo | Veo | Veo
siri | Siri | Siri
alexa | Alexa | Alexa
stargate | Stargate | 星际之门; Stargate
ascend | =Ascend | 昇腾
blackwell | Blackwell | Blackwell
rubin | Rubin | Rubin
cuda | CUDA | CUDA
iphone | iPhone | iPhone
vision_pro | Vision Pro | Vision Pro
optimus | Optimus | 擎天柱; Optimus
autopilot | Autopilot; Full Self-Driving; FSD | 自动辅助驾驶; 完全自动驾驶
neuralink | Neuralink | Neuralink; 脑机接口公司Neuralink

[place]
china | China; Chinese; Beijing | 中国; 北京
us | United States; =US; =U.S.; America; American; Washington | 美国; 华盛顿
uk | United Kingdom; =UK; =U.K.; Britain; British; London | 英国; 伦敦
eu | European Union; =EU; =E.U.; Europe; European; Brussels | 欧盟; 欧洲; 布鲁塞尔
japan | Japan; Japanese; Tokyo | 日本; 东京
south_korea | South Korea; Korea; Korean; Seoul | 韩国; 首尔
north_korea | North Korea; North Korean; Pyongyang | 朝鲜; 平壤
india | India; Indian | 印度
taiwan | Taiwan | 台湾
hong_kong | Hong Kong | 香港
singapore | Singapore | 新加坡
saudi_arabia | Saudi Arabia; Saudi | 沙特阿拉伯; 沙特
uae | United Arab Emirates; =UAE; Emirati | 阿联酋; 阿拉伯联合酋长国
abu_dhabi | Abu Dhabi | 阿布扎比
dubai | Dubai | 迪拜
qatar | Qatar | 卡塔尔
iran | Iran; Iranian | 伊朗
israel | Israel; Israeli | 以色列
russia | Russia; Russian | 俄罗斯
ukraine | Ukraine; Ukrainian | 乌克兰
france | France; French; Paris | 法国; 巴黎
germany | Germany; German; Berlin | 德国; 柏林
italy | Italy; Italian | 意大利
spain | Spain; Spanish | 西班牙
netherlands | Netherlands; Dutch | 荷兰
norway | Norway; Norwegian | 挪威
sweden | Sweden; Swedish | 瑞典
switzerland | Switzerland; Swiss | 瑞士
canada | Canada; Canadian | 加拿大
mexico | Mexico; Mexican | 墨西哥
brazil | Brazil; Brazilian | 巴西
australia | Australia; Australian | 澳大利亚; 澳洲
indonesia | Indonesia | 印度尼西亚; 印尼
vietnam | Vietnam | 越南
malaysia | Malaysia | 马来西亚
shanghai | Shanghai | 上海
shenzhen | Shenzhen | 深圳
hangzhou | Hangzhou | 杭州
silicon_valley | Silicon Valley | 硅谷
san_francisco | San Francisco | 旧金山
new_york | New York | 纽约
california | California | 加利福尼亚州; 加州
texas | Texas | 德克萨斯州; 得克萨斯州; 德州
hollywood | Hollywood | 好莱坞
seattle | Seattle | 西雅图
arizona | Arizona | 亚利桑那州; 亚利桑那

[org]
white_house | White House | 白宫
congress | Congress | 国会
senate | Senate | 参议院
house_reps | House of Representatives | 众议院
pentagon | Pentagon; Department of Defense; Department of War | 五角大楼; 国防部
doj | Justice Department; Department of Justice; =DOJ | 司法部
ftc | Federal Trade Commission; =FTC | 联邦贸易委员会
sec | Securities and Exchange Commission; =SEC | 证券交易委员会; 美国证监会
fcc | Federal Communications Commission; =FCC | 联邦通信委员会
commerce_dept | Commerce Department; Department of Commerce | 商务部
fda | Food and Drug Administration; =FDA | 食品药品监督管理局; 食品和药物管理局
nasa | NASA | 美国国家航空航天局
european_commission | European Commission | 欧盟委员会
european_parliament | European Parliament | 欧洲议会
ai_act | AI Act | 人工智能法案; AI法案
un | United Nations; =UN; =U.N. | 联合国
nato | NATO | 北约
oecd | OECD | 经合组织
aisi | AI Security Institute; AI Safety Institute; AISI | AI安全研究所; 人工智能安全研究所
nist | NIST | 美国国家标准与技术研究院
cma | Competition and Markets Authority; =CMA | 竞争与市场管理局
cac | Cyberspace Administration of China | 国家网信办; 国家互联网信息办公室; 网信办
miit | =MIIT | 工信部; 工业和信息化部
ndrc | =NDRC | 国家发改委; 发改委
wga | Writers Guild; =WGA | 编剧工会; 美国编剧工会
sag_aftra | SAG-AFTRA | 演员工会; 美国演员工会
irgc | =IRGC; Revolutionary Guard | 革命卫队; 伊斯兰革命卫队
supreme_court | Supreme Court | 最高法院
ninth_circuit | Ninth Circuit | 第九巡回上诉法院; 第九巡回法院
metr | METR | METR
epoch_ai | Epoch AI | Epoch AI
mit | Massachusetts Institute of Technology; =MIT | 麻省理工学院; 麻省理工
stanford | Stanford | 斯坦福大学; 斯坦福
harvard | Harvard | 哈佛大学; 哈佛
berkeley | Berkeley | 伯克利
tsinghua | Tsinghua | 清华大学; 清华
peking_university | Peking University | 北京大学; 北大
y_combinator | Y Combinator | Y Combinator

[topic]
data_center | data center; data centers; datacenter; data centre | 数据中心
ipo | =IPO; initial public offering | 首次公开募股; 上市; IPO
export_controls | export controls; export control; export restrictions | 出口管制
antitrust | antitrust | 反垄断
copyright | copyright | 版权
deepfake | deepfake; deepfakes | 深度伪造
layoffs | layoffs; layoff; job cuts | 裁员
lawsuit | lawsuit; lawsuits; sued; sues | 诉讼; 起诉
robotaxi | robotaxi; robotaxis | 自动驾驶出租车; 无人驾驶出租车; Robotaxi
humanoid | humanoid | 人形机器人
open_source | open-source; open source; open-weight; open weights | 开源; 开放权重
chips | chip; chips; semiconductor; semiconductors | 芯片; 半导体
agent | agent; agents; agentic | 智能体; AI代理
valuation | valuation | 估值
funding | funding round; raises; raised | 融资; 募资
acquisition | acquisition; acquires; acquired | 收购
tariffs | tariff; tariffs | 关税
superintelligence | superintelligence | 超级智能
cybersecurity | cybersecurity; cyber | 网络安全
zero_day | zero-day; zero-days | 零日漏洞; 零日
"""


def _split_aliases(field_text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split an English alias field into (case-insensitive, exact) aliases."""
    loose: list[str] = []
    exact: list[str] = []
    for raw in field_text.split(";"):
        alias = raw.strip()
        if not alias:
            continue
        if alias.startswith("="):
            exact.append(alias[1:].strip())
        else:
            loose.append(alias)
    return tuple(loose), tuple(exact)


def load_glossary_text(text: str, *, default_kind: str = "org") -> list[GlossaryEntry]:
    """Parse the ``[kind]`` / ``key | en; en | zh; zh`` table format into entries."""
    entries: list[GlossaryEntry] = []
    kind = default_kind
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            kind = line[1:-1].strip()
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3 or not parts[0]:
            raise ValueError(f"glossary line {number}: expected 'key | en | zh', got {raw!r}")
        loose, exact = _split_aliases(parts[1])
        zh = tuple(a.strip() for a in parts[2].split(";") if a.strip())
        entries.append(GlossaryEntry(parts[0].lower(), kind, loose, zh, exact))
    return entries


def load_glossary_file(path: str | Path) -> list[GlossaryEntry]:
    """Read extra entries from a table file (``.txt``) or a JSON list (``.json``)."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() != ".json":
        return load_glossary_text(text)
    entries = []
    for item in json.loads(text):
        loose, exact = _split_aliases(";".join(item.get("en", [])))
        entries.append(
            GlossaryEntry(
                str(item["key"]).lower(),
                str(item.get("kind", "org")),
                loose,
                tuple(item.get("zh", [])),
                exact,
            )
        )
    return entries


_LATIN_EDGE = "A-Za-z0-9"


@dataclass(frozen=True)
class Glossary:
    """A set of entries with compiled matchers for Chinese and English text."""

    entries: tuple[GlossaryEntry, ...] = field(default_factory=tuple)

    def extended(self, extra: Iterable[GlossaryEntry]) -> Glossary:
        """A new glossary with ``extra`` added (an existing key gets the extra aliases)."""
        merged: dict[str, GlossaryEntry] = {e.key: e for e in self.entries}
        for e in extra:
            old = merged.get(e.key)
            if old is None:
                merged[e.key] = e
            else:
                merged[e.key] = GlossaryEntry(
                    e.key,
                    old.kind,
                    old.en + tuple(a for a in e.en if a not in old.en),
                    old.zh + tuple(a for a in e.zh if a not in old.zh),
                    old.en_exact + tuple(a for a in e.en_exact if a not in old.en_exact),
                )
        return Glossary(tuple(merged.values()))

    @cached_property
    def _exact_lower(self) -> frozenset[str]:
        return frozenset(a.lower() for e in self.entries for a in e.en_exact)

    @cached_property
    def _by_alias(self) -> dict[str, GlossaryEntry]:
        # Case-sensitive aliases are stored as written, the others lower-cased, so a lookup
        # tries the text as is first and lower-cased second.
        table: dict[str, GlossaryEntry] = {}
        for e in self.entries:
            for alias in e.en_exact:
                table.setdefault(alias, e)
            for alias in e.zh:
                table.setdefault(alias if not alias.isascii() else alias.lower(), e)
            for alias in e.en:
                table.setdefault(alias.lower(), e)
        return table

    @cached_property
    def _zh_pattern(self) -> re.Pattern[str] | None:
        # Latin-only "Chinese" aliases (e.g. "OpenAI" in the zh column) are matched by the
        # English matcher; here only aliases with CJK characters, longest first.
        aliases = {a for e in self.entries for a in e.zh if not a.isascii()}
        if not aliases:
            return None
        ordered = sorted(aliases, key=len, reverse=True)
        return re.compile("|".join(re.escape(a) for a in ordered))

    @cached_property
    def _en_patterns(self) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
        loose = {a for e in self.entries for a in e.en}
        loose |= {a for e in self.entries for a in e.zh if a.isascii()}
        # An ASCII spelling in the zh column ("Meta") must not undo a case-sensitive alias.
        loose = {a for a in loose if a.lower() not in self._exact_lower}
        exact = {a for e in self.entries for a in e.en_exact}
        return _latin_alternation(loose, re.IGNORECASE), _latin_alternation(exact, 0)

    def lookup(self, name: str) -> GlossaryEntry | None:
        """The entry whose alias equals ``name`` (an outlet field, say), if any."""
        table = self._by_alias
        for text in (name.strip(), name.strip().strip("《》「」“”\"' ")):
            entry = table.get(text)
            if entry is None and text.lower() not in self._exact_lower:
                entry = table.get(text.lower())
            if entry is not None:
                return entry
        return None

    def matches(self, text: str) -> Iterator[GlossaryMatch]:
        """All non-overlapping alias occurrences in ``text``, leftmost-longest, any language."""
        found: list[GlossaryMatch] = []
        zh = self._zh_pattern
        loose, exact = self._en_patterns
        for pattern in (zh, loose, exact):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                entry = self.lookup(m.group(0))
                if entry is not None:
                    found.append(GlossaryMatch(m.start(), m.end(), entry.key, entry.kind))
        found.sort(key=lambda g: (g.start, -(g.end - g.start)))
        last_end = -1
        for g in found:
            if g.start >= last_end:
                last_end = g.end
                yield g

    def __len__(self) -> int:
        return len(self.entries)


def _latin_alternation(aliases: set[str], flags: int) -> re.Pattern[str] | None:
    """One regex for Latin aliases with ASCII word edges (``\\b`` treats CJK as word chars)."""
    if not aliases:
        return None
    ordered = sorted(aliases, key=len, reverse=True)
    body = "|".join(re.escape(a) for a in ordered)
    return re.compile(f"(?<![{_LATIN_EDGE}])(?:{body})(?![{_LATIN_EDGE}])", flags)


DEFAULT_GLOSSARY = Glossary(tuple(load_glossary_text(_DEFAULT_TABLE)))
