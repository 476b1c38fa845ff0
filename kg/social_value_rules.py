"""The wording rules that tell a social-value commitment asked of suppliers from a mere mention of the topic.

A passage is a commitment when it names a social-value topic (community benefits, apprenticeships, a carbon
reduction plan, ...) *and* asks something of suppliers: "will be required to", "must", "will be evaluated",
"included in this contract", a weighting. It is not one when the ask is negated ("does not intend to include
any community benefit requirements", "The Community Benefits included in this contract are: N/A"), only
optional ("clients may add community benefit requirements"), or when the topic is what the contract buys
(an apprenticeship training contract, an energy-efficiency programme): then it is the subject, not social value.

Topics are "strong" when naming them is already about social value in procurement (social value, community
benefits, a carbon reduction plan, the real living wage): a reference to the tender documents is ask enough.
"Weak" topics (SMEs, net zero, volunteering, ...) need a supplier-directed ask in the same clause.
Every topic is classified into one outcome of each Social Value Model (ontology/social_value.ttl, slugs below).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

_I = re.IGNORECASE


@dataclass(frozen=True)
class Topic:
    """A family of social-value wording and the 2025 and 2020 model outcomes it is classified into."""

    key: str
    outcome_2025: str | None
    outcome_2020: str | None
    strong: bool
    pattern: re.Pattern[str]
    subject: re.Pattern[str] | None = None  # titles that make the topic the contract's own subject
    subject_cpv: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()  # lower-case stems, one of which is in every match (empty: always try the pattern)


def _t(key: str, o2025: str | None, o2020: str | None, strong: bool, pattern: str, subject: str | None = None,
       cpv: tuple[str, ...] = ()) -> Topic:
    # matched against lower-cased text without re.IGNORECASE, which is several times slower on long alternations
    return Topic(key, o2025, o2020, strong, re.compile(pattern.lower()), re.compile(subject, _I) if subject else None, cpv)


# Lower-case stems, per topic, of which every match contains one. Python's re tries a case-insensitive alternation
# at every character (hundreds of ns a character), while `in` scans at memory speed: a topic's pattern only runs on
# sentences holding one of its stems (tests/test_social_value.py checks the stems cover the matches).
_ANCHORS: dict[str, tuple[str, ...]] = {
    "social-value": ("social", "future generations", "wbfg", "toms", "ppn"),
    "community-benefits": ("communit", "cb propos", "bricks"),
    "carbon-plan": ("carbon reduction plan", "ppn", "science"),
    "living-wage": ("living wage", "fair work"),
    "environment": ("zero", "carbon", "greenhouse", "ghg", "emissions", "climate", "environmental", "14001", "waste",
                    "recycl", "circular", "single", "biodiversity", "sustainab", "green"),
    "fair-work": ("living wage", "fair", "zero", "working conditions", "trade union", "ethical employment", "workers"),
    "local-jobs": ("local", "employ", "job", "targeted recruitment", "economically inactive", "neet"),
    "skills": ("apprentic", "placement", "work experience", "training", "trainee", "t level", "t-level", "graduate", "skill",
               "vocational", "career", "school", "stem", "educational support", "internship", "work taster"),
    "supply-chain": ("sme", "small and medium", "vcse", "voluntary", "social enterprise", "third sector", "supported business",
                     "contracting opportunit", "local", "payment", "foundational economy", "meet the buyer", "supply chain",
                     "supply-chain"),
    "volunteering": ("volunteer", "communit", "charit", "donation"),
    "modern-slavery": ("slavery", "trafficking", "forced labour", "ethical", "labour standards", "child labour"),
    "wellbeing": ("wellbeing", "well-being", "first aid", "healthy workplace", "employee assistance"),
    "inclusion": ("disab", "equality", "equal opportunit", "inclusive recruitment", "care leavers", "veterans", "barriers",
                  "represented", "disadvantaged"),
    "safer": ("offender", "reoffending", "white ribbon", "domestic abuse", "community safety", "youth diversion"),
    "covid": ("covid",),
}


ENV = "carbon-reduction-and-environment"
TOPICS: tuple[Topic, ...] = (
    # generic: no outcome of its own, classified by the specific topics around it when there are any
    _t("social-value", None, None, True,
       r"social[ -]value|socially responsible procurement|social(?:,|/| and| &)? ?economic(?:,|/| and| &)? ?(?:and |& )?environmental"
       r"(?: (?:well-?being|benefits?|value|objectives?|considerations?|outcomes?|priorities))?"
       r"|well-?being of future generations|\bWBFGA?\b|national TOMs|\bPPN ?0?0?2\b|\bPPN ?0?6/20\b",
       r"social[ -]value"),
    _t("community-benefits", "community-benefits-and-volunteering", "community-benefits-and-volunteering", True,
       r"community[ -]benefits?(?! fund)|\bCB proposals?\b|beyond bricks (?:and|&) mortar|community wealth building",
       r"community benefit"),
    _t("carbon-plan", ENV, "climate-change-and-waste", True,
       r"carbon reduction plans?|\bPPN ?0?6/21\b|science[- ]based targets?", r"carbon reduction plan"),
    _t("living-wage", "fair-work", "workforce-inequality", True,
       r"real living wage|living wage (?:foundation|employers?|accreditation)|accredited living wage|fair work first"
       r"|fair work (?:charter|practices|convention)", r"living wage|fair work"),
    _t("environment", ENV, "climate-change-and-waste", False,
       r"net[ -]zero|carbon (?:neutral\w*|emissions?|footprint|reduction|management|literacy|offset\w*|savings?)|de-?carboni[sz]\w*"
       r"|greenhouse gas|\bGHG\b|scope [123] emissions|climate (?:change|emergency)|environmental (?:management|impacts?|performance"
       r"|considerations?|measures?|benefits?|polic\w+|sustainability|objectives?|standards?|credentials|improvements?|outcomes?)"
       r"|ISO ?14001|waste (?:reduction|minimi[sz]\w*|hierarchy)|recycl\w+|circular economy|single[- ]use plastics?|biodiversity"
       r"|zero[- ]emissions?|low[- ]carbon|sustainable procurement|sustainability (?:plans?|polic\w+|requirements?|commitments?"
       r"|criteria|questions?)|green (?:credentials|procurement)",
       r"energy|carbon|climate|decarboni|retrofit|solar|(?-i:\bPV\b)|\bheat|insulation|environment|sustainab|net zero|waste"
       r"|recycl|electric vehicle|(?-i:\bEVs?\b)|charging|renewable|(?-i:\bLED\b)|biodivers|ecolog|air quality|emission"
       r"|\bgreen\b|\btrees?\b|woodland|dispos",
       ("09", "65", "71314", "905", "907", "4533", "45261215", "31712")),
    _t("fair-work", "fair-work", "workforce-inequality", False,
       r"(?<!national )living wage|fair (?:pay|work|wages?)|zero[- ]hours? contracts?|good working conditions|trade union recognition"
       r"|ethical employment|workers'? rights", r"living wage|fair work|pay review|payroll|trade union"),
    _t("local-jobs", "fair-work", "new-businesses-jobs-and-skills", False,
       r"local (?:employment|labour|jobs?|recruitment)|employ\w* (?:of )?local (?:people|residents)|employment (?:and training )?"
       r"opportunit\w+|job (?:creation|opportunit\w+)|targeted recruitment|economically inactive|long[- ]term unemployed"
       r"|\bNEETs?\b|unemployed (?:people|individuals|residents)",
       r"employ|\bjobs?\b|recruit|work programme|workforce|labour|staffing|unemploy|welfare to work|skills|\bNEET|training",
       ("796",)),
    _t("skills", "skills-and-apprenticeships", "new-businesses-jobs-and-skills", False,
       r"apprentic\w+|work (?:placements?|experience)|training (?:and employment )?opportunit\w+|traineeships?|\bT[- ]Levels?\b"
       r"|graduate (?:placements?|opportunit\w+|schemes?)|up-?skill\w*|vocational training|careers? (?:talks?|events?|fairs?)"
       r"|schools? (?:and college )?engagement|engagement with (?:local )?schools|STEM (?:engagement|activit\w+|ambassadors?)"
       r"|educational support|supported internships?|skills development|work tasters?",
       r"apprentic|training|trainee|skills|education|learning|tuition|course|qualification|careers?|employab|mentor|coaching",
       ("80",)),
    _t("supply-chain", "sme-and-vcse-supply-chains", "supply-chain-resilience-and-capacity", False,
       r"\bSMEs?\b|small and medium(?:[- ]sized)? enterprises|\bVCSEs?\b|voluntary,? community and social enterprise"
       r"|social enterprises?|third sector|supported business\w*|sub-?contracting opportunit\w+|local (?:supply chains?|suppliers"
       r"|businesses|sub-?contractors|spend)|(?:prompt|fair) payment (?:of|to) (?:sub-?contractors|suppliers|SMEs|the supply chain)"
       r"|fair payment terms|foundational economy|meet the buyer"
       r"|supply[- ]chain development|spend (?:with|in) the local",
       r"\bSMEs?\b|business (?:support|growth|mentor|advice|development|engagement)|enterprise|inward investment|innovation"
       r"|start-?up|supplier development|economic development|third sector|voluntary sector|VCSE|infrastructure support"),
    _t("volunteering", "community-benefits-and-volunteering", "community-benefits-and-volunteering", False,
       r"volunteer\w*|community (?:projects?|engagement|initiatives?|investment|organisations?|groups?|capacity)|local charit\w+"
       r"|charitable (?:donations?|giving)|donations? to",
       r"volunteer|charit|voluntary|befriend|community (?:development|engagement|grants?|support|organisations?|capacity)"),
    _t("modern-slavery", "modern-slavery-and-ethical-supply-chains", "workforce-inequality", False,
       r"modern slavery|human trafficking|forced labour|ethical (?:sourcing|supply chains?|trading)|labour standards|child labour",
       r"slavery|trafficking|exploitation"),
    _t("wellbeing", "health-and-wellbeing", "health-and-wellbeing", False,
       r"(?:staff|workforce|employee|worker)s?'? (?:health and )?well-?being|mental health first aid\w*|healthy workplace"
       r"|employee assistance programme",
       r"health|well-?being|mental|medical|\bcare\b|\bNHS\b|occupational|employee assistance", ("85",)),
    _t("inclusion", "workforce-inclusion", "workforce-inequality", False,
       r"disability confident|disabled (?:people|workers|employees)|equality,? diversity,? (?:and|&) inclusion"
       r"|equality (?:and|&) diversity|equal opportunit\w+|inclusive recruitment|care leavers|armed forces veterans|employ\w* (?:of )?veterans"
       r"|people (?:facing|with) barriers|under-?represented groups|disadvantaged (?:groups|people)",
       r"disab|equality|diversity|inclusion|veteran|care leaver|supported (?:living|employment)|(?-i:\bSEND\b)|special educational"
       r"|autism|learning difficult"),
    _t("safer", "safer-communities", "workforce-inequality", False,
       r"ex-?offenders|reoffending|white ribbon|domestic abuse (?:policy|workplace)|community safety initiatives?|youth diversion",
       r"offend|probation|prison|justice|domestic abuse|violence|crime|community safety|police|youth"),
    _t("covid", "fair-work", "covid-19-recovery", False,
       r"covid-?19 recovery|recover(?:y|ing)? from (?:the )?(?:impact of )?covid", r"covid"),
)
TOPICS = tuple(replace(t, anchors=_ANCHORS[t.key]) for t in TOPICS)
# Award criteria are evaluated by definition, so a short name is enough ("Sustainability", "Social responsibility").
_ENVIRONMENT = next(t for t in TOPICS if t.key == "environment")
CRITERION_TOPICS: tuple[Topic, ...] = (
    replace(_ENVIRONMENT, key="environment", pattern=re.compile(r"^\W*(?:sustainab\w*|environment\w*|green|carbon|climate)\b"),
            anchors=()),
    _t("social-value", None, None, True, r"^\W*(?:social(?! (?:work|care|services?))|responsible|ethical)\b"),
    _t("community-benefits", "community-benefits-and-volunteering", "community-benefits-and-volunteering", True,
       r"^\W*community (?:benefits?|engagement|wealth)"),
)
_STEMS = tuple(sorted({stem for stems in _ANCHORS.values() for stem in stems}))


def names_topic(text: str, topics: tuple[Topic, ...] | Candidates) -> bool:
    """Whether a text names any social-value topic: among `topics`, or the candidates of a text it is part of
    (every match holds one of its topic's stems, so a part names no topic its whole has no stem of)."""
    return next(_matches(text, topics), None) is not None


# An ask of suppliers: obligations, evaluation, contract terms, weights.
ASK = re.compile(
    r"\b(?:will|shall|must|should|would)\s+(?:also\s+)?(?:be\s+)?(?:required|expected|asked|obliged|needed|invited|encouraged)\b"
    r"|\b(?:are|is)\s+(?:also\s+)?(?:required|expected|asked|obliged|invited|encouraged)\s+to\b"
    r"|\b(?:must|shall)\b|\b(?:will|would)\s+(?:need|have)\s+to\b"
    r"|\bwill be (?:sought|secured|included|applied|incorporated|delivered)\b|\b(?:has|have) (?:committed|agreed|pledged) to\b"
    r"|\brequirements? (?:of|for|on) (?:the |all )?(?:suppliers?|contractors?|providers?|bidders?|tenderers?)\b"
    r"|\b(?:expects?|requires?|asks?|invites?) (?:its |all |the |our )?(?:\w+ )?(?:suppliers?|contractors?|providers?|bidders?"
    r"|tenderers?|partners?) to\b"
    r"|\b(?:suppliers?|contractors?|providers?|bidders?|tenderers?|applicants?|consultants?|operators?|organisations?"
    r"|partners?|compan(?:y|ies)|firms?|you)(?:\(s\))?\b[^.;]{0,80}?\b(?:will|shall|should|must|are to|is to)\s+(?:\w+\s+){0,3}?"
    r"(?:deliver|provide|submit|demonstrate|commit|pay|offer|propose|outline|describe|create|employ|support|engage|ensure|comply|adhere|work|contribute"
    r"|report|agree|achieve|meet|maximise|minimise|reduce|have|suggest|implement|identify|review|complete)\b"
    r"|\bcontract(?:ual)? (?:performance )?(?:conditions?|clauses?|requirements?|obligations?|terms?|KPIs?)\b"
    r"|\bconditions? of (?:the )?contract\b|\bKPIs?\b|\bkey performance indicators?\b"
    r"|\bincluded (?:in|within|as part of) (?:this|the) (?:contract|requirement|tender|procurement|framework|agreement|evaluation"
    r"|specification|quality)\b|\bpart of (?:the|this) (?:contract|tender|evaluation|framework|agreement|specification|quality)"
    r"|\b(?:evaluat|scor|weight)\w*|\bassessed\b|\baward criteri\w+|\bquality (?:questions?|criteri\w+|submission)"
    r"|\bmethod statements?\b|\bquestion(?:s|naire)?\b|\b\d{1,2}(?:\.\d+)?\s?%",
    _I,
)
# For strong topics a pointer to where the requirement is spelled out is ask enough.
DOCREF = re.compile(
    r"\b(?:tender|procurement|ITT|contract|bid|framework) (?:documents?|documentation|pack|paperwork)\b|\bITT\b"
    r"|\b(?:appendix|schedule|annex|template|matrix|menu|toolkit|preliminaries)\b"
    r"|\bsee\b|\brefer\b|\bas (?:per|stated|detailed|set out|outlined|described)\b|\b(?:used|apply|applies) (?:for|to) this contract\b"
    r"|\bsubject to\b"
    r"|\bcriteri\w+|\bclauses?\b|\b(?:contract|tender|framework|procurement|requirement|agreement|specification) (?:will )?"
    r"(?:includes?|contains?|incorporates?)\b",
    _I,
)
NEGATION = re.compile(
    r"\b(?:does|do|did|will|shall|would|is|are|was|were|has|have|had|can|could|should|must)\s+not\b"
    r"|\b(?:doesn't|don't|won't|isn't|aren't|wasn't|weren't|cannot|can't|shan't)\b|\bno\b(?!\.)|\bnone\b|\bnil\b|\bn/a\b"
    r"|\bnot (?:be )?(?:included|applicable|appropriate|relevant|required|intended|possible|proportionate|sought|considered)\b",
    _I,
)
# Negations that do not negate the ask ("including but not limited to", "no later than").
_NOT_NEGATION = re.compile(
    r"\bnot (?:only|limited to|exceed\w*|less than|more than|later than)|\bwhether or not\b|\bno (?:later|less|more|longer|fewer)\b"
    r"|\b(?:at )?no (?:extra |additional )?(?:cost|charge|fee)s?\b",
    _I,
)
OPTIONAL = re.compile(
    r"\bmay\b|\bmight\b|\bcould\b|\bwhere (?:possible|appropriate|applicable|practicable|relevant)\b"
    r"|\bif (?:required|requested|appropriate|applicable)\b|\bnot (?:essential|mandatory|compulsory)\b|\boptional\b|\bdesirable\b",
    _I,
)
# An explicit decline to include a topic: vetoes the boilerplate that names the same topic elsewhere in the text.
DECLINE = re.compile(
    r"\b(?:not|no)\s+(?:\w+\s+){0,3}?(?:intend\w*|include\w*|applicable|appropriate|relevant|required|requirements?)\b|\bn/a\b",
    _I,
)
AFFIRMED = re.compile(r"^\W*(?:yes|included|applicable|applies)\W*$", _I)  # "Community benefits: Yes"
EMPTY_CONTENT = re.compile(r"^\W*(?:n/?a|none|nil|not applicable|not appropriate|no|nothing|0)\W*$|^\W*(?:there are )?no\b", _I)
_CONDITIONAL = re.compile(r"^\W*(?:if|unless|where|should|whether)\b", _I)
_CLAUSES = re.compile(r"[;,]\s+|\s+(?:but|however|although|whereas|though)\b", _I)
_SENTENCES = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'“‘•\-])")
_HEADER_SPLIT = re.compile(r"(?<=[^\s:/]{2}):\s+(?=\S)")
BULLET = re.compile(r"^\s*(?:[-•*·▪–]|o\s|\d{1,2}[.)]\s|[a-z][.)]\s|\([a-z0-9]{1,3}\)\s)")
# US federal clause lists (FAR 52.2xx) name equal opportunity and small business set-asides: not UK social value.
CLAUSE_LIST = re.compile(r"\b52\.2\d\d-\d+|\bFAR\b")
_PERCENT = re.compile(r"(\d{1,2}(?:\.\d+)?)\s?%")
_WEIGHT = re.compile(r"\s*(\d{1,3}(?:\.\d+)?)\s?%?\s*")


def clause_status(clause: str) -> str | None:
    """'negated', 'optional' or None (a plain statement) for one clause, conditionals ignored."""
    if _CONDITIONAL.match(clause):
        return None
    scrubbed = _NOT_NEGATION.sub(" ", clause)
    if NEGATION.search(scrubbed):
        return "negated"
    if OPTIONAL.search(scrubbed):
        return "optional"
    return None


def ask_status(text: str, strong: bool, topics: tuple[Topic, ...] | Candidates) -> str | None:
    """How a passage that names a topic treats it: 'ask', 'negated', 'optional', or None when it asks nothing.

    Clause by clause: a clause naming the topic (among `topics`) that is negated or optional decides for itself;
    the passage is an ask when a clause naming a topic is plain and the passage carries an ask cue.
    """
    statuses = []
    for clause in _CLAUSES.split(text):
        if clause and names_topic(clause, topics):
            statuses.append(clause_status(clause))
    if not statuses:
        statuses = [clause_status(text)]
    if None in statuses:
        cue = ASK.search(text) or (strong and DOCREF.search(text))
        return "ask" if cue else None
    return "negated" if "negated" in statuses else "optional"


Candidates = tuple[tuple[Topic, tuple[str, ...]], ...]


_ANCHOR_SETS = tuple((t, frozenset(t.anchors)) for t in TOPICS)


def candidates(text: str) -> Candidates:
    """The topics whose stems are in a text, each with those stems: the sentences of a long text try only these."""
    low = text.lower()
    present = set(filter(low.__contains__, _STEMS))
    if not present:
        return ()
    return tuple(
        (t, tuple(s for s in t.anchors if s in present)) for t, stems in _ANCHOR_SETS if not stems.isdisjoint(present)
    )


def topics_in(text: str, topics: tuple[Topic, ...] | Candidates = TOPICS) -> list[tuple[Topic, re.Match[str]]]:
    """Each topic named in a text with its first match in the lower-cased text (among `topics`, or the candidates
    of a longer text)."""
    return list(_matches(text, topics))


def _matches(text: str, topics: tuple[Topic, ...] | Candidates) -> Iterator[tuple[Topic, re.Match[str]]]:
    low = text.lower()
    for entry in topics:
        topic, stems = entry if isinstance(entry, tuple) else (entry, entry.anchors)
        if stems and not any(map(low.__contains__, stems)):
            continue
        match = topic.pattern.search(low)
        if match:
            yield topic, match


_WINDOW = 80  # no topic match reaches further than this either side of its stem


def mentions(text: str, possible: Candidates) -> bool:
    """Whether a text (of any length) names one of the candidate topics: each pattern runs only in a window around
    the occurrences of its stems, so a long notice costs a few short searches rather than a scan per topic."""
    low = text.lower()
    for topic, stems in possible:
        for stem in stems:
            at = low.find(stem)
            while at >= 0:
                if topic.pattern.search(low, max(0, at - _WINDOW), at + len(stem) + _WINDOW):
                    return True
                at = low.find(stem, at + len(stem))
    return False


# Remembered for the last 16,384 texts: publishers repeat their boilerplate from notice to notice, and most free
# text of a notice is read only to find it names no topic.
@lru_cache(maxsize=1 << 14)
def named_candidates(text: str) -> Candidates:
    """`candidates(text)` when `mentions` finds one of them named in the text, else ()."""
    possible = candidates(text)
    return possible if possible and mentions(text, possible) else ()


# A service helping the people it serves into jobs or training: those are the service's outcomes, not social value.
SERVICE_OUTCOME = re.compile(
    r"\b(?:support|help|enable|assist|empower|encourag)\w*\s+(?:\w+\s+){0,3}?(?:service users?|clients?|customers?|patients?"
    r"|residents|tenants|participants|learners|young people|children|families|individuals|people|beneficiaries|carers|refugees"
    r"|offenders|adults)\b",
    _I,
)


# SMEs or charities invited to bid are bidders, not a supply chain a supplier commits to.
BIDDING = re.compile(
    r"\b(?:encouraged|invited|welcome[ds]?|eligible|able|keen)\s+to\s+(?:bid|apply|tender|respond|register|participate|express"
    r"|submit (?:a |an )?(?:bid|tender|response|expression))|\b(?:suitable|open) (?:for|to)\b|\b(?:bids?|tenders?|applications?"
    r"|participation|interest) (?:from|by)\b",
    _I,
)


def is_subject(topic: Topic, titles: str, cpv: list[str], passage: str = "") -> bool:
    """Whether the contract buys the topic itself (apprenticeship training, an energy programme, employment support),
    or names it only as who is served or who may bid."""
    if not topic.strong and (SERVICE_OUTCOME.search(passage) or BIDDING.search(passage)):
        return True
    if topic.subject is not None and topic.subject.search(titles):
        return True
    return any(code.startswith(topic.subject_cpv) for code in cpv) if topic.subject_cpv else False


def weight_near(text: str, match: re.Match[str]) -> float | None:
    """A percentage written next to the topic ("Social Value 10%", "10% social value"), if any."""
    after = _PERCENT.search(text, match.end(), min(len(text), match.end() + 40))
    if after:
        return float(after.group(1))
    before = [m for m in _PERCENT.finditer(text, max(0, match.start() - 20), match.start())]
    return float(before[-1].group(1)) if before else None


def parse_weight(value: object) -> float | None:
    """A criterion weight: a number, or a text that is only a number or percentage ("10", "10%")."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        match = _WEIGHT.fullmatch(value)
        if match:
            return float(match.group(1))
    return None


# "\r\n" that lost its backslashes and survived cleaning ("...ID=148440rn Under the terms"): trusted only before a
# word that starts a sentence, and only in a text that shows the quirk more than once.
_RESIDUAL_RN = re.compile(
    r"(?<=[a-z0-9)])rn\s+(?=(?:NOTE|Under|The|This|These|Please|For|To|All|Any|If|In|It|We|Our|Tenderers|Bidders"
    r"|Suppliers|Contractors|Social|Community|Refer|See)\b|\()"
)


def segments(text: str) -> list[tuple[str, bool, bool]]:
    """The text as (segment, is_header, is_bullet): lines, split into sentences and at "label: content" colons."""
    if len(_RESIDUAL_RN.findall(text)) > 1:
        text = _RESIDUAL_RN.sub("\n", text)
    out: list[tuple[str, bool, bool]] = []
    for line in text.split("\n"):
        if not line.strip():
            out.append(("", False, False))  # a paragraph break ends a header's scope
            continue
        bullet = bool(BULLET.match(line))
        for sentence in _SENTENCES.split(line.strip()):
            parts = _HEADER_SPLIT.split(sentence)
            for i, part in enumerate(parts):
                part = part.strip()
                if part:
                    header = i < len(parts) - 1 or part.endswith(":")
                    out.append((part if not header or part.endswith(":") else part + ":", header, bullet and i == 0))
    return out
