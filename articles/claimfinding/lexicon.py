"""Word lists the features read, for the languages the importer detects (en, es, de, fr, it, pt,
nl). Each list is the union over those languages: a Spanish reporting verb never occurs in an
English sentence, and an article whose language could not be guessed is still scored.

Entries are casefolded; "_" joins the words of a phrase ("according_to"). Prefix entries end in "*"
("illegal*" matches "illegally", "illegality").
"""

from __future__ import annotations


def words(text: str) -> tuple[str, ...]:
    """The space-separated entries of a list."""
    return tuple(text.split())


ATTRIBUTION = (
    # en
    "said says say told tells announced announces declared declares claimed claims claim "
    "alleged alleges alleging accused accuses accusing stated states reported reports "
    "confirmed confirms denied denies insisted warned warns tweeted tweets wrote writes "
    "according_to revealed estimated estimates argued argues admitted "
    # es
    "dijo dice afirmó afirma anunció anuncia declaró declara aseguró asegura según "
    "informó informa confirmó negó advirtió acusó acusa denunció sostuvo estimó "
    # de
    "sagte sagt erklärte erklärt behauptete behauptet kündigte teilte berichtete berichtet "
    "bestätigte bestätigt warnte warf zufolge laut betonte schätzt "
    # fr
    "a_déclaré déclare affirme a_affirmé selon annoncé annonce a_indiqué indique accuse "
    "a_confirmé dément a_averti estime "
    # it
    "ha_detto dice ha_dichiarato dichiara secondo ha_annunciato annuncia ha_affermato afferma "
    "accusa ha_confermato "
    # pt
    "disse diz afirmou afirma declarou anunciou segundo acusou confirmou "
    # nl
    "zei zegt verklaarde verklaart volgens kondigde meldde beweerde bevestigde"
)

LEGAL = (
    "illegal* unlawful* lawsuit* sue sued suing court* judge* legal* law laws lawyer* "
    "copyright* infring* breach* violat* regulat* fine fined fines guilty convicted charged "
    "indicted prosecut* ban banned sanction* unauthori* "
    "demanda* tribunal* juez ley leyes ilegal* multa* infracci* "
    "klage* verklag* gericht* gesetz* rechtswidrig* illegal* strafe* verstoß* urheberrecht* "
    "procès poursuiv* tribunal loi lois amende* plainte* "
    "causa tribunale legge illegale multa denuncia* "
    "processo tribunal lei ilegal* multa* "
    "rechtszaak rechter wet wetten illegaal boete*"
)

CAUSAL = (
    "because due_to caused causes causing led_to leads_to as_a_result resulting result_of "
    "therefore thus hence in_response_to "
    "porque debido_a causó provocó como_resultado por_lo_tanto "
    "weil wegen aufgrund verursacht infolge deshalb daher "
    "parce_que à_cause_de en_raison_de causé provoqué "
    "perché a_causa_di causato "
    "porque devido causou "
    "omdat veroorzaakt vanwege"
)

COMPARATIVE = (
    "more_than less_than fewer_than at_least at_most up_to nearly almost "
    "largest biggest highest lowest smallest record doubled tripled "
    "halved increased decreased rose fell jumped dropped surged grew declined "
    "más_de menos_de mayor menor récord aumentó cayó subió duplicó "
    "mehr_als weniger_als höchste niedrigste größte rekord stieg sank verdoppelt "
    "plus_de moins_de le_plus record augmenté baissé doublé "
    "più_di meno_di record aumentato "
    "mais_de recorde aumentou "
    "meer_dan minder_dan hoogste laagste record gestegen gedaald"
)

HEDGES = (
    "i_think i_believe we_believe in_my_opinion perhaps maybe might should must "
    "it_is_important_to it_is_essential it_remains_to_be_seen it_is_unclear it's_unclear "
    "we'll_have_to_see worth_noting in_conclusion "
    "creo_que quizás tal_vez debería hay_que "
    "ich_glaube vielleicht sollte sollten müssen "
    "je_pense peut-être devrait il_faut "
    "penso forse dovrebbe "
    "acho_que talvez deveria "
    "ik_denk misschien zou_moeten"
)

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan enero ene januar jänner janvier janv gennaio gen janeiro januari",
        "february feb febrero februar février févr febbraio fevereiro fev februari",
        "march mar marzo märz mars março maart",
        "april apr abril avril aprile",
        "may mayo mai maggio maio mei",
        "june jun junio juni juin giugno junho",
        "july jul julio juli juillet juil luglio julho",
        "august aug agosto août augustus",
        "september sep sept septiembre septembre settembre setembro",
        "october oct octubre oktober okt octobre ottobre outubro",
        "november nov noviembre novembre novembro",
        "december dec diciembre dezember dez décembre déc dicembre dezembro",
    ),
    start=1,
):
    for _name in _names.split():
        MONTHS.setdefault(_name, _number)

WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "monday lunes montag lundi lunedì segunda-feira maandag",
        "tuesday martes dienstag mardi martedì terça-feira dinsdag",
        "wednesday miércoles mittwoch mercredi mercoledì quarta-feira woensdag",
        "thursday jueves donnerstag jeudi giovedì quinta-feira donderdag",
        "friday viernes freitag vendredi venerdì sexta-feira vrijdag",
        "saturday sábado samstag samedi sabato zaterdag",
        "sunday domingo sonntag dimanche domenica zondag",
    )
):
    for _name in _names.split():
        WEEKDAYS.setdefault(_name, _number)

# Scale words after a number: "10 billion", "3,5 Mrd.", "2 millones".
SCALES: dict[str, float] = {
    "thousand": 1e3,
    "k": 1e3,
    "mil": 1e3,
    "tausend": 1e3,
    "mille": 1e3,
    "duizend": 1e3,
    "million": 1e6,
    "millions": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "mio": 1e6,
    "millionen": 1e6,
    "millón": 1e6,
    "millones": 1e6,
    "milione": 1e6,
    "milioni": 1e6,
    "milhão": 1e6,
    "milhões": 1e6,
    "miljoen": 1e6,
    "billion": 1e9,
    "billions": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "mrd": 1e9,
    "milliarde": 1e9,
    "milliarden": 1e9,
    "milliard": 1e9,
    "milliards": 1e9,
    "miliardo": 1e9,
    "miliardi": 1e9,
    "miljard": 1e9,
    "mil millones": 1e9,
    "trillion": 1e12,
    "trillions": 1e12,
    "tn": 1e12,
    "billones": 1e12,
}

# Currency symbols and words, to an ISO code.
CURRENCIES: dict[str, str] = {
    "$": "USD",
    "us$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "dólares": "USD",
    "dólar": "USD",
    "dollaro": "USD",
    "dollari": "USD",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "libras": "GBP",
    "¥": "JPY",
    "yen": "JPY",
    "jpy": "JPY",
    "chf": "CHF",
    "franken": "CHF",
    "r$": "BRL",
    "reais": "BRL",
}

PERCENT_WORDS = (
    "%",
    "percent",
    "per cent",
    "percentage points",
    "por ciento",
    "prozent",
    "pour cent",
    "per cento",
    "por cento",
    "procent",
)

# Words that start sentences in capitals without being names (so "The" is not a name).
FUNCTION_WORDS = frozenset(
    words(
        "the a an this that these those it its it's in on at by for from to of and or but if "
        "as with while when after before since although though however also yet still so "
        "there here he she they we i you his her their our my your who what which where why "
        "how not no all some many most such each every both either neither one two three "
        "is are was were be been has have had do does did will would can could may might "
        "el la los las un una unos unas este esta estos estas ese esa en de del por para con "
        "y o pero si como cuando según tras también sin embargo ya no es son fue era "
        "der die das ein eine einer dieser diese dieses in im am an auf aus bei mit nach von "
        "zu und oder aber wenn als wie auch doch noch nicht ist sind war waren es er sie wir "
        "le la les un une des ce cette ces dans sur par pour avec et ou mais si quand comme "
        "il elle ils elles nous on est sont était "
        "il lo gli i uno una questo questa nel nella per con e o ma se quando come è sono "
        "o os as um uma este esta no na nos nas em por para com e ou mas se quando como "
        "de het een deze dit in op bij met van voor en of maar als wanneer hij zij wij "
        # sentence openers that are capitalised only because they open the sentence
        "according earlier later last next today yesterday meanwhile now then it's that's "
        "there's what's we'll we're we've they're they've i'm i've you're let's don't isn't"
    )
)

# Words that carry no content for matching sentences (casefolded). Attribution verbs are kept
# out too: "said" says nothing about which claim a sentence makes.
STOPWORDS = FUNCTION_WORDS | frozenset(
    words(
        "said says say told according would could should also just than then them into over "
        "about after more most other only very been being which who whom whose were because "
        "dijo dice según más muy sobre entre todo todos "
        "sagte sagt laut mehr sehr über zwischen alle "
        "dit dite selon plus très entre tous "
        "detto dice secondo più molto tra tutti "
        "disse diz segundo mais muito entre todos "
        "zei zegt volgens meer zeer tussen alle"
    )
)
