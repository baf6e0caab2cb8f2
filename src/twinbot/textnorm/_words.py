"""Word lists per language: function words and chat filler, greetings, words that shift or
focus a question, and question words as language-independent concepts ("?when" for when /
wann / когда / kogda), with the words that imply them ("Jahr", "Anzahl").
"""

from __future__ import annotations

from collections.abc import Sequence

from twinbot.knowledge import Lang

#: Question words as language-independent concepts: "wann" and "kogda" both ask "?when".
QUESTION_CONCEPTS: dict[str, frozenset[str]] = {
    "?when": frozenset({"when", "wann", "когда"}),
    "?where": frozenset({"where", "wo", "wohin", "woher", "где", "куда", "откуда"}),
    "?who": frozenset(
        {
            "who",
            "whom",
            "whose",
            "wer",
            "wem",
            "wen",
            "wessen",
            "кто",
            "кого",
            "кому",
            "кем",
            "ком",
            "чей",
            "чья",
            "чье",
            "чьи",
        }
    ),
    "?why": frozenset(
        {
            "why",
            "warum",
            "wieso",
            "weshalb",
            "weswegen",
            "wozu",
            "wofür",
            "почему",
            "зачем",
            "отчего",
        }
    ),
    "?howmany": frozenset({"сколько", "wieviel", "wieviele", "скока", "скоко"}),
}
_CONCEPT_OF = {word: concept for concept, words in QUESTION_CONCEPTS.items() for word in words}
# Two-word question openers: "how many", "wie viele".
_PAIR_CONCEPTS = {
    ("how", "many"): "?howmany",
    ("how", "much"): "?howmany",
    ("wie", "viele"): "?howmany",
    ("wie", "viel"): "?howmany",
    ("seit", "wann"): "?howlong",
    ("how", "long"): "?howlong",
    ("wie", "lange"): "?howlong",
    ("как", "давно"): "?howlong",
    ("как", "долго"): "?howlong",
    ("с", "каких"): "?howlong",
    ("how", "come"): "?why",
    # "какое число" is the date ("по какое число"), "число городов" a number
    ("какое", "число"): "?when",
    ("какого", "числа"): "?when",
    ("для", "чего"): "?why",
}
# Words that imply a question concept when a phrasing or question uses them instead of the
# question word ("in welchem Jahr" asks "wann"; "Anzahl" asks "wie viele").
IMPLIED_CONCEPTS: dict[Lang, dict[str, str]] = {
    "en": {
        "year": "?when",
        "date": "?when",
        "dates": "?when",
        "day": "?when",
        "days": "?when",
        "number": "?howmany",
        "count": "?howmany",
        "place": "?where",
        "location": "?where",
        "venue": "?where",
        "reason": "?why",
        "reasons": "?why",
        "purpose": "?why",
        "since": "?howlong",
    },
    "de": {
        "jahr": "?when",
        "datum": "?when",
        "tag": "?when",
        "tage": "?when",
        "tagen": "?when",
        "anzahl": "?howmany",
        "zahl": "?howmany",
        "ort": "?where",
        "grund": "?why",
        "gründe": "?why",
        "zweck": "?why",
        "seit": "?howlong",
    },
    "ru": {
        "год": "?when",
        "дата": "?when",
        "день": "?when",
        "количество": "?howmany",
        "место": "?where",
        "причина": "?why",
        "цель": "?why",
    },
}
_IMPLIED = {word: c for table in IMPLIED_CONCEPTS.values() for word, c in table.items()}

#: Greetings, thanks and goodbyes: the whole message when alone ("hi!"), filler inside a
#: question ("hey so when was…").
SOCIAL_WORDS = frozenset(
    """
    hi hello hey hiya howdy greetings morning evening thanks thank thx ty cheers bye goodbye
    cya ciao later hallo moin servus grüß gruss grüezi tag abend danke dankeschön vielen
    dank tschüss tschüs tschau wiedersehen später spaeter привет здравствуйте здравствуй
    здрасте хай добрый день вечер утро спасибо благодарю пока свидания до позже
    """.split()
)

#: Words that move a question to another time or thing than the one the knowledge base
#: describes ("the *next* conference"): never filler, always full weight when unknown.
SHIFT_WORDS = frozenset(
    """
    next upcoming future previous former tomorrow yesterday nächste nächsten nächster
    kommende kommenden künftige vorige vorherige zukünftige gestern следующий
    следующая следующей следующую следующем будущий будущая будущей предыдущий предыдущая
    прошлый прошлая завтра вчера other another weitere weiteren weiterer andere anderen
    anderer другие других другой другая
    """.split()
)

#: Words asking for something to do — apply, register, buy, cost — or for an outcome or an
#: event of something's history (results, decisions, its founding) are what such a question
#: is about, verb or not: unknown to the knowledge base, they weigh as nouns; known, they
#: count against an entry that doesn't explain them.
FOCUS_WORDS = frozenset(
    """
    apply application applications register registration sign enrol enroll join book buy
    ticket tickets cost costs price fee fees pay bewerben bewerbe bewirbt bewerbung anmelden
    anmeldung registrieren buchen kaufen ticket kosten kostet kostete gekostet preis gebühr
    bezahlen teilnahmegebühr записаться записаться заявка заявку подать зарегистрироваться
    регистрация купить билет билеты стоит стоило стоимость цена платить оплата
    conclude concluded conclusion conclusions outcome outcomes result results achieve
    achieved ergebnis ergebnisse herausgekommen rausgekommen heraus raus resultat итог итоги
    результат результаты
    вывод выводы достигли decide decided decision decisions beschlossen beschluss beschlüsse
    entschieden entscheidung entscheidungen решили решение решения постановили
    found founded founding founder founders gegründet gründung gründer gründeten основан
    основана основано основали основание основатель основатели
    """.split()
)

#: Words asking how to reach someone ("how can I contact…", "wie erreiche ich…", "как
#: связаться…"): a question of its own, which no word about contacts between the
#: countries answers. In a question they match nothing and weigh as its focus.
CONTACT_REQUESTS = frozenset(
    """
    touch email e-mail phone telephone kontaktieren kontaktiere kontaktiert erreiche
    erreichbar anrufen telefonnummer связаться связываться позвонить дозвониться написать
    телефон почта почту
    """.split()
)
#: The words before "contact" that make it the verb ("how can I contact them").
CONTACT_VERB_CONTEXT = frozenset("i we to can could you should please pls do how".split())

_STOP_EN = """
a an the and or but if then than so of in on at to from by for with about as into onto over
under through is are was were be been being am do does did doing done have has had having
will would shall should can could may might must i me my mine we us our ours you your yours
he him his she her hers it its they them their theirs this that these those there here what
whats which how also too very really just actually please pls plz lol lmao haha hahaha ok okay
k yo yeah yep nah nope guy bro dude btw tbh idk um uh hmm hm like kinda sorta anyway
anyways again some any all each every such only own same not no nor up down out off once
tell say said know explain remind wonder wondering curious quick question questions q let
lets gonna wanna gotta got get getting thing things stuff whatever anyone someone ya u ur r
im thx theres thats exactly still even ever th st nd rd omg wow cool pretty quite much many
more most something anything everything somebody anybody kind sort bit lot lots
apart whole overall especially particularly approximately roughly basically generally usually
sometimes often always together article text author mentioned mention besides except
list enumerate show give ey thingy urgent urgently asap now currently nowadays presently
understand understood according moment real
area areas field fields sphere spheres aspect aspects respect respects
"""
_STOP_DE = """
der die das den dem des ein eine einer eines einem einen und oder aber wenn dann so von vom
zu zum zur in im ins an am auf aus bei beim mit nach um für fur fuer durch gegen ohne bis als
wie was welche welcher welches welchen welchem ist sind war waren wird werden wurde wurden
worden sein seid bin bist hat haben hatte hatten habe hast kann können konnte könnte soll
sollte muss mag möchte will ich du er sie es wir ihr mich mir dich dir uns euch ihm ihn ihnen
sich mein meine dein deine seine unser euer dieser diese dieses diesen diesem jener da hier
dort auch noch nochmal schon denn eigentlich eigtl eig also mal halt eben ja nein nicht kein
keine doch nur sehr bitte genau bzw lol ok okay na naja jo gerne eh überhaupt ueberhaupt sag
sagen erzähl erzähle erzaehl weißt weisst wisst wissen frage kurz irgendwie etwa etwas alle
alles jede jeder jedes man dazu darüber drüber davon damit daran darum dabei einfach gibt gibts
gab gabs geben es hey digga alter krass son grad gerade irgendwas irgendwer so'n eig
denn dann wieder mehr viel viele ganz echt voll besonders manchmal insgesamt wirklich
ungefähr ziemlich vielleicht eher immer oft meist meistens zusammen außer ausser art artikel
text autor laut erwähnt genannt zeig zeige zeigen gib nenne nenn nennen aufzählen zähl liste
auflisten ey ding dinger dings zeug kram dringend ner nem nen rahmen jetzt derzeit zurzeit
momentan inzwischen heutzutage mittlerweile verstehe verstanden kapiert zufolge gemäß moment
bereich bereiche bereichen gebiet gebiete gebieten hinsicht hinsichten solch solche solcher
solchen solches solchem derartig derartige derartiger derartigen derartiges wievielte
wievielter wievielten wievieltes wievieltem
ihre ihrer ihrem ihren ihres seiner seinem seinen seines meinen meinem meiner meines
deinen deinem deiner deines unsere unseren unserem unserer unseres eure euren eurem eurer
eures
"""
_STOP_RU = """
и в во не что он на я с со как а то все всё она так его но да ты к у же вы за бы по только
ее её мне было вот от меня еще ещё нет о об из ему ну ли если уже или ни быть был него до вас
нибудь уж вам ведь там потом себя ничего ей может они тут есть надо ней для мы тебя их чем
была сам чтоб без будто чего раз тоже себе под будет ж тогда этот того этого какой какая
какое какие каких каким какими каком какую это эта эти этих этой этом эту тот та те то
совсем ним здесь один почти мой моя мое мои тем чтобы нее сейчас были всех можно при
наконец хоть над нас про всего них много разве впрочем хорошо свою свой свои перед иногда
лучше чуть том нельзя такой такая такие им всегда конечно всю между который которая
которое которые которых короч короче плиз пожалуйста пж пжл пжлст ладно блин типа вообще
вообще-то кстати слушай скажи скажите подскажи подскажите расскажи расскажите знаешь знаете
ок окей хм лол ааа эй чё че вроде просто именно го
кста щас счас ща плз спс пасиб ый ий ая ое што шо чо че-то ваще вапще
итоге собственно вместе кроме помимо мнению мнение автора автор статье статья статьи тексте
текст упоминается говорится сказано покажи покажите дай дайте перечисли перечислите назови
назовите перечислить штука штуки штуку штуке хрень хрени фигня фигню фигни
срочно срочняк тока токо рамках чет чёт чето чёто понял поняла поняли понимаю слушайте
непонятно согласно словам момент данный данным
сфера сферы сфере сферах сферам сферу область области областях областям аспект аспекты аспектах
подобный подобная подобное подобные подобных подобным подобными подобную подобного подобной
самый самая самое самые самого самой самым самых самую самому самыми
своей своих своим своего своему своими свое своё наш наша наше наши нашего нашей нашему
нашим наших нашими нашу ваш ваша ваше ваши вашего вашей вашему вашим ваших вашими вашу
моего моей моему моим моих моими мою твой твоя твое твоё твои твоего твоей твоих твою
"""

#: Words of the asker about themselves: a sentence around the question that has one tells
#: who asks ("I teach history.", "Мы с коллегами готовим обмен."), not what.
FIRST_PERSON = frozenset(
    """
    i i'm im i've ive me my mine we we're us our ours ich mich mir mein meine meinen meinem
    meiner meines wir uns unser unsere unseren unserem unserer я меня мне мной мой моя моё мое
    мои моего моей моему моим моих мы нас нам нами наш наша наше наши нашего нашей нашему
    нашим наших
    """.split()
)

#: Words addressing the reader ("hey guys", "Leute, wann…"): filler where they open the
#: message or follow a greeting, the people asked about elsewhere ("junge Leute", "wie
#: viele Leute waren da?").
VOCATIVES = frozenset({"guys", "leute", "ребят", "ребята"})

STOPWORDS: dict[Lang, frozenset[str]] = {
    "en": frozenset(_STOP_EN.split()),
    "de": frozenset(_STOP_DE.split()),
    "ru": frozenset(w.replace("ё", "е") for w in _STOP_RU.split()),
}


#: Words that are or begin a question concept.
QUESTION_WORDS = frozenset(_CONCEPT_OF) | {first for first, _ in _PAIR_CONCEPTS}


def question_concepts(words: Sequence[str]) -> dict[int, str]:
    """Positions of question words (and two-word openers) → their concept; "" marks the
    second word of an opener (consumed by it)."""
    found: dict[int, str] = {}
    if QUESTION_WORDS.isdisjoint(words):
        return found
    for index, word in enumerate(words):
        # (A pair's second word never begins another pair.)
        if word not in QUESTION_WORDS or index in found:
            continue
        pair = _PAIR_CONCEPTS.get((word, words[index + 1] if index + 1 < len(words) else ""))
        if pair:
            found[index] = pair
            found[index + 1] = ""  # consumed by the pair
        elif word in _CONCEPT_OF:
            found[index] = _CONCEPT_OF[word]
    return found
