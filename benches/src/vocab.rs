//! The fixed vocabulary the generator draws from: webmail providers and their
//! weights, top-level domains, given names, family names and syllables.
//!
//! The weights are rough shapes of what a StopForumSpam email export looks like
//! (a handful of free webmail providers carry most addresses, the rest is a long
//! tail of throwaway domains); they are not measurements of any real list.

/// Free webmail domains and their relative weights.
pub const WEBMAIL: &[(&str, u32)] = &[
    ("gmail.com", 400),
    ("yahoo.com", 90),
    ("hotmail.com", 90),
    ("outlook.com", 60),
    ("mail.ru", 60),
    ("yandex.ru", 45),
    ("qq.com", 40),
    ("aol.com", 30),
    ("163.com", 30),
    ("icloud.com", 25),
    ("gmx.de", 20),
    ("web.de", 15),
    ("protonmail.com", 15),
    ("yahoo.co.uk", 12),
    ("hotmail.fr", 10),
    ("rambler.ru", 10),
    ("bk.ru", 8),
    ("list.ru", 8),
    ("inbox.ru", 8),
    ("126.com", 8),
    ("live.com", 8),
    ("gmx.net", 6),
    ("mail.com", 6),
    ("yahoo.fr", 5),
    ("libero.it", 5),
    ("wp.pl", 5),
    ("o2.pl", 4),
    ("seznam.cz", 4),
    ("naver.com", 4),
    ("ukr.net", 4),
];

/// Top-level domains of the long tail and their relative weights.
pub const TLDS: &[(&str, u32)] = &[
    ("com", 400),
    ("net", 60),
    ("org", 40),
    ("ru", 50),
    ("info", 30),
    ("xyz", 30),
    ("top", 25),
    ("online", 20),
    ("site", 20),
    ("de", 20),
    ("pl", 15),
    ("co.uk", 12),
    ("fr", 10),
    ("it", 10),
    ("br", 10),
    ("com.br", 8),
    ("in", 10),
    ("cn", 10),
    ("biz", 8),
    ("club", 8),
    ("shop", 8),
    ("store", 6),
    ("icu", 6),
    ("monster", 5),
    ("tk", 5),
    ("ml", 4),
    ("ga", 4),
    ("cf", 4),
    ("gq", 4),
    ("buzz", 4),
    ("live", 4),
    ("email", 3),
    ("pw", 3),
    ("space", 3),
    ("website", 3),
    ("fun", 3),
    ("io", 3),
    ("me", 3),
    ("us", 3),
    ("nl", 3),
];

/// TLDs that mail operators commonly ban outright.
pub const BANNED_TLDS: &[&str] = &[
    "monster", "icu", "tk", "ml", "ga", "cf", "gq", "buzz", "top", "xyz", "pw", "click",
    "loan", "work", "date", "racing", "download", "stream", "gdn", "bid",
];

/// Names that are not delegated TLDs but turn up in mail anyway.
pub const UNKNOWN_TLDS: &[&str] = &["localdomain", "local", "lan", "internal", "home", "corp"];

/// Given names used in local parts.
pub const GIVEN: &[&str] = &[
    "james", "john", "robert", "michael", "william", "david", "richard", "joseph", "thomas",
    "charles", "mary", "patricia", "jennifer", "linda", "elizabeth", "barbara", "susan",
    "jessica", "sarah", "karen", "daniel", "matthew", "anthony", "mark", "donald", "steven",
    "paul", "andrew", "joshua", "kenneth", "nancy", "lisa", "betty", "margaret", "sandra",
    "ashley", "kimberly", "emily", "donna", "michelle", "alex", "ivan", "dmitry", "sergey",
    "olga", "elena", "anna", "natalia", "irina", "tatiana", "wei", "li", "jing", "ming",
    "hui", "yan", "lei", "jun", "mohamed", "ahmed", "ali", "omar", "fatima", "aisha",
    "juan", "jose", "carlos", "luis", "maria", "ana", "sofia", "lucas", "mateo", "pierre",
    "jean", "marie", "luca", "marco", "giulia", "hans", "peter", "klaus", "anja", "jan",
    "piotr", "kasia", "tomasz", "raj", "amit", "priya", "sunil", "kevin", "brian", "george",
    "edward", "ronald", "timothy", "jason", "jeffrey", "ryan", "jacob", "gary", "nicholas",
    "eric", "jonathan", "stephen", "larry", "justin", "scott", "brandon", "benjamin",
    "samuel", "frank", "gregory", "raymond", "alexander", "patrick", "jack", "dennis",
    "jerry", "tyler", "aaron", "henry", "adam", "nathan", "zachary", "kyle", "noah",
];

/// Family names used in local parts.
pub const FAMILY: &[&str] = &[
    "smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis",
    "rodriguez", "martinez", "hernandez", "lopez", "gonzalez", "wilson", "anderson", "thomas",
    "taylor", "moore", "jackson", "martin", "lee", "perez", "thompson", "white", "harris",
    "sanchez", "clark", "ramirez", "lewis", "robinson", "walker", "young", "allen", "king",
    "wright", "scott", "torres", "nguyen", "hill", "flores", "green", "adams", "nelson",
    "baker", "hall", "rivera", "campbell", "mitchell", "carter", "roberts", "ivanov",
    "smirnov", "kuznetsov", "popov", "petrov", "sokolov", "volkov", "wang", "zhang", "liu",
    "chen", "yang", "huang", "zhao", "wu", "zhou", "kumar", "singh", "sharma", "patel",
    "gupta", "mueller", "schmidt", "schneider", "fischer", "weber", "meyer", "wagner",
    "rossi", "russo", "ferrari", "esposito", "bianchi", "dubois", "moreau", "laurent",
    "nowak", "kowalski", "wisniewski", "silva", "santos", "oliveira", "souza", "pereira",
];

/// Syllables for invented names (domains, rare surnames, throwaway local parts).
pub const SYLLABLES: &[&str] = &[
    "ka", "ri", "to", "ma", "lo", "ne", "su", "vi", "da", "mo", "ra", "li", "te", "no",
    "zu", "pa", "be", "ko", "mi", "sa", "go", "fi", "ha", "ju", "ly", "qu", "ze", "wo",
    "ban", "tor", "mix", "pro", "net", "web", "shop", "best", "top", "buy", "cheap", "fast",
    "deal", "max", "star", "sun", "tech", "soft", "link", "host", "club", "zone", "hub",
    "pay", "bet", "win", "cash", "loan", "pill", "spin", "vip", "lux", "geo", "eco", "bio",
];
