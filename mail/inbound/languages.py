"""What mail clients write around quoted history, by language: one place to add Finnish.

Each entry lists the words a client writes in that language: the verb closing an
"On <date>, <someone> wrote:" line, the labels of an embedded header block, the title of
an "Original Message" banner, device footers and the valedictions people sign off with.
`markers.py` compiles them into the matchers. Phrases are plain text, matched
case-insensitively; footers are regular-expression fragments because their word order
varies ("Von meinem iPhone gesendet").
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Language:
    """One language's phrases; each text field lists its phrases separated by "|"."""

    name: str
    # The verb closing an attribution, right before its colon: "wrote", "a écrit".
    wrote: str = ""
    # A verb written before the sender's name: "Am 3. März schrieb Anne:".
    wrote_before_name: str = ""
    # Words that open an attribution line: "On", "Am", "Le".
    openers: str = ""
    # Webmail attributions that lead with the verb: "Quoting Anne <...>:".
    quoting: str = ""
    # Labels of an embedded header block, by the header they stand for.
    headers: dict[str, str] = field(default_factory=dict)
    # Title words of "-----Original Message-----" and forward banners.
    banner_words: str = ""
    # A forwarding line without dashes: "Begin forwarded message:".
    forward_intros: str = ""
    # Device and app footers (regular-expression fragments, anchored at line start).
    footers: tuple[str, ...] = ()
    # Words before a sign-off name: "Best,", "Liebe Grüße".
    valedictions: str = ""


def phrases(value: str) -> list[str]:
    """The phrases of one "|"-separated field."""
    return [phrase.strip() for phrase in value.split("|") if phrase.strip()]


LANGUAGES: tuple[Language, ...] = (
    Language(
        "English",
        wrote="wrote|writes|has written",
        wrote_before_name="wrote on",
        openers="On|At",
        quoting="Quoting",
        headers={
            "from": "From",
            "date": "Sent|Date|Sent on",
            "to": "To",
            "cc": "Cc|Bcc",
            "subject": "Subject",
            "reply-to": "Reply-To",
        },
        banner_words="original|forward|message|reply",
        forward_intros="Begin forwarded message",
        footers=(
            r"sent (?:wirelessly |securely )?(?:from|via|with|using|on|by) (?:my\b"
            r"|an? (?:phone|mobile|smartphone|tablet|iphone|ipad|android)\b)",
            r"sent by (?:galaxy|samsung|iphone|android|blackberry|huawei)\b",
            r"from my (?:iphone|ipad|android|mobile|phone|samsung|galaxy|blackberry|smartphone)\b",
            r"get\s+\[?outlook for (?:ios|android)\S*$",
            r"[\w .-]{1,30} from (?:my )?(?:mobile|phone|iphone|ipad|android|cell)$",
        ),
        valedictions=(
            "best|best regards|best wishes|kind regards|regards|warm regards|warmly|cheers|thanks|"
            "thank you|many thanks|thanks again|thanks so much|all the best|take care|love|"
            "sincerely|yours|talk soon|speak soon|see you|hugs|with thanks|have a good one"
        ),
    ),
    Language(
        "German",
        wrote="schrieb|geschrieben",
        wrote_before_name="schrieb",
        openers="Am",
        quoting="Zitat von",
        headers={
            "from": "Von|Absender",
            "date": "Gesendet|Datum|Gesendet am",
            "to": "An",
            "cc": "Kopie|Kopie an|Cc",
            "subject": "Betreff",
            "reply-to": "Antwort an",
        },
        banner_words="nachricht|weitergeleitet|ursprüngliche",
        forward_intros="Anfang der weitergeleiteten Nachricht|Anfang der weitergeleiteten E-Mail",
        footers=(
            r"(?:von|vom) meine[mnr]? (?:\S+ ){0,3}\S+ gesendet\.?$",
            r"gesendet (?:von|vom|mit) (?:meinem|meiner|einem|der) ",
            r"diese nachricht wurde (?:von|mit|vom) .{1,80} gesendet",
            r"\[?outlook für (?:ios|android) (?:beziehen|herunterladen)",
        ),
        valedictions=(
            "viele grüße|liebe grüße|beste grüße|herzliche grüße|schöne grüße|"
            "mit freundlichen grüßen|freundliche grüße|gruß|grüße|lg|vg|mfg|danke|bis bald|ciao"
        ),
    ),
    Language(
        "French",
        wrote="a écrit|écrit|a ecrit",
        openers="Le",
        quoting="Citation de",
        headers={
            "from": "De|Expéditeur",
            "date": "Envoyé|Envoyé le|Date",
            "to": "À|A|Destinataire",
            "cc": "Cc|Copie",
            "subject": "Objet|Sujet",
            "reply-to": "Répondre à",
        },
        banner_words="transf|d'origine|originel|réexpédié",
        forward_intros=(
            "Début du message réexpédié|Début du message transféré|Début du message réacheminé"
        ),
        footers=(
            r"envoy[ée] (?:de|depuis|à partir de) (?:mon|ma) ",
            r"provenance\s*: courrier pour windows",
            r"\[?obtenir outlook pour (?:ios|android)",
        ),
        valedictions=(
            "cordialement|bien cordialement|bien à vous|bises|amitiés|merci|à bientôt|a bientôt|"
            "bonne journée|belle journée|salutations"
        ),
    ),
    Language(
        "Spanish",
        wrote="escribió|escribio",
        openers="El",
        quoting="Citando",
        headers={
            "from": "De",
            "date": "Enviado|Enviado el|Fecha",
            "to": "Para|A",
            "cc": "CC|Copia",
            "subject": "Asunto",
            "reply-to": "Responder a",
        },
        banner_words="mensaje|reenviad|original",
        forward_intros="Inicio del mensaje reenviado|Comienzo del mensaje reenviado",
        footers=(
            r"enviad[oa] (?:desde|de|con) (?:mi|el|la) ",
            r"\[?obtener outlook para (?:ios|android)",
        ),
        valedictions=(
            "saludos|un saludo|un abrazo|abrazos|gracias|muchas gracias|atentamente|besos|"
            "saludos cordiales|hasta pronto"
        ),
    ),
    Language(
        "Italian",
        wrote="ha scritto|scritto",
        openers="Il|Il giorno",
        quoting="Citazione di",
        headers={
            "from": "Da|Mittente",
            "date": "Inviato|Data|Inviato il",
            "to": "A|Destinatario",
            "cc": "Cc|Copia",
            "subject": "Oggetto",
            "reply-to": "Rispondi a|Risposta",
        },
        banner_words="messaggio|inoltrat|originale",
        forward_intros="Inizio messaggio inoltrato|Messaggio inoltrato",
        footers=(
            r"inviato (?:dal|dalla|da) (?:mio|mia|il mio|iphone|ipad|android) ?",
            r"\[?scarica outlook per (?:ios|android)",
        ),
        valedictions="saluti|un saluto|cordiali saluti|grazie|a presto|un abbraccio|ciao",
    ),
    Language(
        "Portuguese",
        wrote="escreveu",
        openers="Em",
        headers={
            "from": "De|Remetente",
            "date": "Enviado|Enviada|Data|Enviado em",
            "to": "Para|Destinatário",
            "cc": "Cc|Cópia",
            "subject": "Assunto",
            "reply-to": "Responder a",
        },
        banner_words="mensagem|encaminhad|reencaminhad|original",
        forward_intros=(
            "Início da mensagem encaminhada|Início da mensagem reencaminhada|"
            "Inicio da mensagem encaminhada"
        ),
        footers=(
            r"enviad[oa] (?:do|da|de|desde|pelo) (?:meu|minha|o meu|a minha|iphone|ipad) ?",
            r"\[?obter o outlook para (?:ios|android)",
        ),
        valedictions=(
            "abraço|abraços|obrigado|obrigada|atenciosamente|cumprimentos|beijos|um abraço"
        ),
    ),
    Language(
        "Dutch",
        wrote="schreef|geschreven",
        wrote_before_name="schreef",
        openers="Op",
        quoting="Citaat van",
        headers={
            "from": "Van|Afzender",
            "date": "Verzonden|Verstuurd|Datum|Verzonden op",
            "to": "Aan",
            "cc": "CC|Kopie",
            "subject": "Onderwerp",
            "reply-to": "Antwoord aan",
        },
        banner_words="bericht|doorgestuurd|oorspronkelijk",
        forward_intros="Begin doorgestuurd bericht|Doorgestuurd bericht",
        footers=(
            r"(?:verzonden|verstuurd) (?:vanaf|vanuit|van|met) (?:mijn|een) ",
            r"\[?outlook voor (?:ios|android) downloaden",
        ),
        valedictions=(
            "groeten|groetjes|met vriendelijke groet|vriendelijke groet|mvg|hartelijke groet|"
            "dank je|bedankt|tot snel"
        ),
    ),
    Language(
        "Swedish",
        wrote="skrev",
        wrote_before_name="skrev",
        openers="Den",
        headers={
            "from": "Från|Avsändare",
            "date": "Skickat|Datum|Skickat den",
            "to": "Till",
            "cc": "Kopia",
            "subject": "Ämne",
            "reply-to": "Svar till",
        },
        banner_words="meddel|vidarebefordra|ursprungligt",
        forward_intros="Vidarebefordrat brev|Vidarebefordrat mejl|Vidarebefordrat meddelande",
        footers=(r"skicka(?:t|des) från (?:min|mitt) ",),
        valedictions="hälsningar|mvh|med vänliga hälsningar|vänliga hälsningar|tack|kram",
    ),
    Language(
        "Norwegian",
        wrote="skrev",
        wrote_before_name="skrev",
        openers="Den",
        headers={
            "from": "Fra",
            "date": "Sendt|Dato",
            "to": "Til",
            "cc": "Kopi",
            "subject": "Emne",
            "reply-to": "Svar til",
        },
        banner_words="melding|videresendt|opprinnelig",
        forward_intros="Videresendt melding|Videresendt e-post|Start på videresendt melding",
        footers=(r"sendt fra (?:min|mitt) ",),
        valedictions="hilsen|mvh|med vennlig hilsen|vennlig hilsen|takk|klem",
    ),
    Language(
        "Danish",
        wrote="skrev",
        wrote_before_name="skrev",
        openers="Den",
        headers={
            "from": "Fra",
            "date": "Sendt|Dato",
            "to": "Til",
            "cc": "Cc|Kopi",
            "subject": "Emne",
        },
        banner_words="meddelelse|videresendt|oprindelig",
        forward_intros=(
            "Videresendt besked|Start på videresendt besked|Start på videresendt meddelelse"
        ),
        footers=(r"sendt fra (?:min|mit) ",),
        valedictions="hilsen|venlig hilsen|med venlig hilsen|mvh|tak|kh",
    ),
    Language(
        "Finnish",
        wrote="kirjoitti",
        wrote_before_name="kirjoitti",
        headers={
            "from": "Lähettäjä",
            "date": "Lähetetty|Päivämäärä",
            "to": "Vastaanottaja",
            "cc": "Kopio",
            "subject": "Aihe",
        },
        banner_words="viesti|alkuperäinen|välitetty",
        forward_intros="Välitetty viesti alkaa|Välitetty viesti",
        footers=(r"lähetetty .{0,40}(?:sta|stä)\b",),
        valedictions="terveisin|ystävällisin terveisin|kiitos|t.",
    ),
    Language(
        "Polish",
        wrote="napisał|napisała|napisał(a)|pisze",
        wrote_before_name="napisana przez",
        openers="W dniu|Dnia",
        quoting="Cytowanie",
        headers={
            "from": "Od|Nadawca",
            "date": "Wysłano|Wysłane|Data",
            "to": "Do|Adresat",
            "cc": "DW|Kopia",
            "subject": "Temat",
            "reply-to": "Odpowiedź do",
        },
        banner_words="wiadomo|przekazan|oryginaln",
        forward_intros="Początek przekazywanej wiadomości",
        footers=(
            r"wysłan[eoy] (?:z|ze) ",
            r"\[?pobierz (?:aplikację )?outlook dla (?:systemu )?(?:ios|android)",
        ),
        valedictions="pozdrawiam|pozdrowienia|serdecznie pozdrawiam|dzięki|dziękuję",
    ),
    Language(
        "Czech",
        wrote="napsal|napsala|napsal(a)",
        openers="Dne",
        headers={
            "from": "Od|Odesílatel",
            "date": "Odesláno|Datum",
            "to": "Komu",
            "cc": "Kopie",
            "subject": "Předmět",
        },
        banner_words="zpráv|přeposlan|původní",
        forward_intros="Začátek přeposlané zprávy",
        footers=(r"odesláno (?:z|ze) ",),
        valedictions="s pozdravem|zdravím|díky|děkuji",
    ),
    Language(
        "Slovak",
        wrote="napísal|napísala|napísal(a)",
        openers="Dňa",
        headers={
            "from": "Od",
            "date": "Odoslané|Dátum",
            "to": "Komu",
            "cc": "Kópia",
            "subject": "Predmet",
        },
        banner_words="správ|pôvodná|preposlan",
        footers=(r"odoslané (?:z|zo) ",),
        valedictions="s pozdravom|ďakujem",
    ),
    Language(
        "Hungarian",
        wrote="írta|ezt írta",
        headers={
            "from": "Feladó",
            "date": "Elküldve|Dátum|Küldve",
            "to": "Címzett",
            "cc": "Másolat|Másolatot kap",
            "subject": "Tárgy",
        },
        banner_words="üzenet|továbbított|eredeti",
        footers=(r".{1,30}(?:ról|ről) küldve$",),
        valedictions="üdvözlettel|üdv|köszönöm|köszi",
    ),
    Language(
        "Russian",
        wrote="написал|написала|написал(а)|пишет",
        openers="В",
        headers={
            "from": "От|Отправитель",
            "date": "Отправлено|Дата",
            "to": "Кому",
            "cc": "Копия",
            "subject": "Тема",
        },
        banner_words="сообщени|пересла|исходн|письм",
        forward_intros="Начало переадресованного сообщения|Начало переадресованного письма",
        footers=(r"отправлено (?:с|со|из) ", r"\[?получить outlook для (?:ios|android)"),
        valedictions="с уважением|спасибо|всего доброго|удачи|пока",
    ),
    Language(
        "Ukrainian",
        wrote="пише|написав|написала",
        headers={
            "from": "Від|Відправник",
            "date": "Надіслано|Відправлено|Дата",
            "to": "Кому",
            "cc": "Копія",
            "subject": "Тема",
        },
        banner_words="повідомлен|пересла|оригінал",
        forward_intros="Початок пересланого листа|Початок пересланого повідомлення",
        footers=(r"надіслано (?:з|із|зі) ",),
        valedictions="з повагою|дякую|до зустрічі",
    ),
    Language(
        "Turkish",
        wrote="yazdı|şunu yazdı",
        headers={
            "from": "Kimden|Gönderen",
            "date": "Gönderildi|Tarih|Gönderilme",
            "to": "Kime|Alıcı",
            "cc": "Bilgi|CC",
            "subject": "Konu",
        },
        banner_words="ileti|mesaj|özgün|orijinal|iletilen",
        footers=(r".{1,30} gönderildi$",),
        valedictions="saygılarımla|teşekkürler|sevgiler|iyi günler",
    ),
    Language(
        "Greek",
        wrote="έγραψε",
        openers="Στις",
        headers={
            "from": "Από|Αποστολέας",
            "date": "Στάλθηκε|Ημερομηνία",
            "to": "Προς",
            "cc": "Κοιν|Κοιν.",
            "subject": "Θέμα",
        },
        banner_words="μήνυμα|αρχικό|προωθημένο",
        footers=(r"στάλθηκε από ",),
        valedictions="ευχαριστώ|φιλικά|με εκτίμηση",
    ),
    Language(
        "Romanian",
        wrote="a scris",
        wrote_before_name="a scris în|a scris pe",
        headers={
            "from": "De la",
            "date": "Trimis|Data",
            "to": "Către",
            "cc": "Cc",
            "subject": "Subiect",
        },
        banner_words="mesaj|redirecționat|original",
        footers=(r"trimis de pe ",),
        valedictions="cu stimă|mulțumesc|o zi bună",
    ),
    Language(
        "Croatian",
        wrote="napisao|napisala|napisao je|napisala je|je napisao|je napisala",
        openers="Dana",
        headers={
            "from": "Šalje|Od",
            "date": "Poslano|Datum",
            "to": "Prima|Za",
            "cc": "Kopija",
            "subject": "Predmet",
        },
        banner_words="poruka|izvorna|proslijeđen",
        footers=(r"poslano (?:s|sa) (?:mog|mojeg) ",),
        valedictions="pozdrav|lijep pozdrav|hvala",
    ),
    Language(
        "Slovenian",
        wrote="napisal|napisala|je napisal|je napisala",
        headers={"from": "Od", "date": "Poslano", "to": "Za", "subject": "Zadeva"},
        banner_words="sporočilo|izvirno",
        valedictions="lep pozdrav|hvala",
    ),
    Language(
        "Lithuanian",
        wrote="rašė|parašė",
        headers={"from": "Nuo", "date": "Išsiųsta", "to": "Kam", "subject": "Tema"},
        banner_words="žinutė|pradinis|originali",
    ),
    Language(
        "Latvian",
        wrote="rakstīja",
        headers={"from": "No", "date": "Nosūtīts", "to": "Kam", "subject": "Tēma"},
        banner_words="ziņojums|sākotnējais",
    ),
    Language(
        "Estonian",
        wrote="kirjutas",
        headers={
            "from": "Saatja",
            "date": "Saadetud",
            "to": "Adressaat",
            "subject": "Teema",
        },
        banner_words="kiri|algne",
    ),
    Language("Icelandic", wrote="skrifaði", headers={"from": "Frá"}),
    Language(
        "Catalan",
        wrote="va escriure|escrigué",
        headers={
            "from": "De",
            "date": "Enviat|Data",
            "to": "Per a",
            "cc": "A/c",
            "subject": "Assumpte",
        },
        banner_words="missatge|reenviat",
        footers=(r"enviat des de ",),
        valedictions="salutacions|gràcies",
    ),
    Language(
        "Indonesian",
        wrote="menulis",
        openers="Pada",
        headers={
            "from": "Dari",
            "date": "Dikirim|Tanggal",
            "to": "Kepada",
            "subject": "Perihal|Subjek",
        },
        banner_words="pesan|asli|diteruskan",
        footers=(r"dikirim dari ",),
        valedictions="salam|terima kasih",
    ),
    Language(
        "Vietnamese",
        wrote="đã viết|viết",
        openers="Vào",
        headers={
            "from": "Từ",
            "date": "Đã gửi|Ngày",
            "to": "Đến",
            "subject": "Chủ đề",
        },
        banner_words="thư|gốc|chuyển tiếp",
        footers=(r"(?:được )?gửi từ ",),
        valedictions="trân trọng|cảm ơn",
    ),
    Language(
        "Hebrew",
        wrote="כתב|כתבה|כתב/ה",
        openers="בתאריך",
        headers={
            "from": "מאת",
            "date": "נשלח|תאריך",
            "to": "אל",
            "cc": "עותק",
            "subject": "נושא",
        },
        banner_words="הודעה|מקורית|הועברה",
        footers=(r"נשלח מ",),
        valedictions="תודה|בברכה",
    ),
    Language(
        "Arabic",
        wrote="كتب",
        openers="في",
        headers={
            "from": "من",
            "date": "تم الإرسال|التاريخ",
            "to": "إلى",
            "cc": "نسخة",
            "subject": "الموضوع",
        },
        banner_words="الرسالة|الأصلية",
        footers=(r"أُ?رسلت من ",),
        valedictions="شكرا|مع التحية",
    ),
    Language(
        "Chinese",
        wrote="写道|寫道|来信|寫了|写了",
        openers="在",
        headers={
            "from": "发件人|寄件者|寄件人|發件人",
            "date": "发送时间|日期|傳送時間|寄件日期|發送時間|时间",
            "to": "收件人|收件者",
            "cc": "抄送|副本",
            "subject": "主题|主旨|主題",
        },
        banner_words="邮件|郵件|原件",
        forward_intros="以下为转发的邮件|转发的邮件|轉寄的郵件",
        footers=(r"(?:发自|發自|来自|來自|傳送自)我的", r"从我的.{0,30}发送", r"從我的.{0,30}傳送"),
        valedictions="谢谢|謝謝|此致",
    ),
    Language(
        "Japanese",
        wrote="のメッセージ|書きました|のメール",
        headers={
            "from": "差出人|送信者",
            "date": "送信日時|日付",
            "to": "宛先",
            "cc": "CC",
            "subject": "件名",
        },
        banner_words="メッセージ|転送",
        forward_intros="転送されたメッセージ",
        footers=(r".{1,30}から送信$",),
        valedictions="よろしくお願いします|よろしくお願いいたします",
    ),
    Language(
        "Korean",
        wrote="작성",
        headers={
            "from": "보낸 사람",
            "date": "보낸 날짜",
            "to": "받는 사람",
            "cc": "참조",
            "subject": "제목",
        },
        banner_words="메시지|원본",
        footers=(r".{0,30}에서 보냄$",),
        valedictions="감사합니다",
    ),
)

# Outlook mobile's footer, whose verb and preposition follow the app's language:
# "Get Outlook for iOS", "Télécharger Outlook pour iOS", "Outlook für Android herunterladen".
OUTLOOK_FOOTER = (
    r"(?:get|download|obtain|télécharger|obtenir|obtener|descargar|scarica|ottieni|pobierz"
    r"|skaffa|hämta|hent|last ned|få|получить|downloaden|baixar|obter|stáhnout|letöltés)?"
    r"\s*(?:aplikację\s|o\s)?\[?outlook (?:for|für|pour|para|per|voor|dla|för|til|для|pro)"
    r"\s(?:systemu\s)?(?:ios|android)\S*(?:\s(?:herunterladen|downloaden|beziehen|baixar))?$"
)

# App and device footers written the same way in many languages: "Sent from <app>".
SENT_VERBS = (
    "sent|gesendet|envoyé|envoye|enviado|enviada|inviato|verzonden|verstuurd|skickat|"
    "skickades|sendt|wysłane|wysłano|отправлено|надіслано|lähetetty|odesláno"
)
SENT_PREPOSITIONS = (
    "from|via|with|using|von|vom|mit|über|aus|de|depuis|à partir de|avec|par|desde|do|da|"
    "con|com|pelo|dal|dalla|tramite|vanaf|vanuit|van|met|från|med|fra|z|ze|с|из|з|із"
)
# Mail apps and devices named in footers; a footer names one of these, so "Sent via email
# to the committee last week." stays prose.
APPS = (
    "phone|iphone|ipad|ipod|android|samsung|galaxy|mobile|cell|smartphone|tablet|blackberry|"
    "huawei|xiaomi|pixel|windows|mailbox|outlook|yahoo|aol|gmail|proton|protonmail|airmail|"
    "spark|bluemail|blue mail|newton|nine|k-9|superhuman|hey|edison|typeapp|zoho|fastmail|"
    "thunderbird|tutanota|tuta|polymail|canary|mymail|mailspring|postbox|em client|gmx|"
    "web.de|t-online|libero|orange|yandex|seznam|onet|interia|qq|mail.ru|mailbird|front"
)
# Devices named in "Sent from my <device>"; another word there makes the line prose
# ("Sent from my desk, between two meetings") unless it is a product name.
DEVICES = (
    "iphone|ipad|ipod|android|samsung|galaxy|pixel|phone|mobile|smartphone|tablet|blackberry|"
    "huawei|cell|cellphone|device|mac|macbook|watch|nokia|motorola|xperia|oneplus|xiaomi|"
    "redmi|oppo|honor|fairphone|kindle|surface|lg|sony|htc|windows"
)
