// A multilingual sample for the SentencePiece tests: everyday sentences in fourteen scripts and languages (written for
// these tests), and texts that stress normalization — full-width forms, ligatures, combining accents, runs of spaces,
// tabs, leading and trailing whitespace, digits and symbols — which is where converted fast tokenizers drift from
// SentencePiece.

export const MULTILINGUAL = [
  'The delivery arrived two days late, but the soup was still warm.',
  'Die Lieferung kam zwei Tage zu spät, aber die Suppe war noch warm.',
  'La livraison est arrivée avec deux jours de retard, mais la soupe était encore chaude.',
  'El envío llegó dos días tarde, pero la sopa todavía estaba caliente.',
  'A entrega chegou dois dias atrasada, mas a sopa ainda estava quente.',
  'Доставка опоздала на два дня, но суп всё ещё был тёплым.',
  'Η παράδοση έφτασε δύο μέρες αργά, αλλά η σούπα ήταν ακόμα ζεστή.',
  'Dostawa przyszła dwa dni później, ale zupa była jeszcze ciepła.',
  'Teslimat iki gün geç geldi ama çorba hâlâ sıcaktı.',
  'وصل الطلب متأخرًا يومين، لكن الحساء كان لا يزال دافئًا.',
  'डिलीवरी दो दिन देर से आई, लेकिन सूप अभी भी गर्म था।',
  '配送は二日遅れましたが、スープはまだ温かかったです。',
  '快递晚到了两天，但汤还是热的。',
  '배송이 이틀 늦게 왔지만 수프는 아직 따뜻했어요.',
  'Giao hàng trễ hai ngày, nhưng súp vẫn còn ấm.',
];

export const TRICKY = [
  'ＦＵＬＬ　ｗｉｄｔｈ　ｔｅｘｔ １２３',
  'ﬁnancial ﬂow, Ⅻ chapters, ½ price, ① first',
  'Cafe\u0301 and cafe\u0301: combining accents vs. café',
  'two  spaces,   three   spaces and\ta tab',
  '   leading and trailing spaces   ',
  'Prices: $4.99, €5,00, ¥500 — 30% off!!!',
  'emoji are rare: 🍲🙂 and ♥',
  'MiXeD CaSe WoRdS and ALLCAPS',
  'line one\nline two',
];

/** Texts the models are trained without, so unknown characters and unseen words are covered. */
export const HELD_OUT = [
  'Ξένη λέξη, чужое слово, parole straniere, 外来語, ẞtraße.',
  'Numbers 0123456789 and the symbols #@&*^~|\\',
];
