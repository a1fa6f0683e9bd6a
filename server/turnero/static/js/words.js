/* What the lobby says aloud, word for word as the lobby display app says it
   (display/turnero_display/words.py; a test compares the two): numbers in words
   (es, en; 0-9999), a code spelled so it is understood across a room ("A042" ->
   "A cero cuarenta y dos": the leading zero is said, the rest as one number), and
   the sentence: "Turno A cero cuarenta y dos, ventanilla tres". */
(function () {
  "use strict";
  var ES = ["cero", "uno", "dos", "tres", "cuatro", "cinco", "seis", "siete", "ocho", "nueve", "diez", "once",
            "doce", "trece", "catorce", "quince", "dieciséis", "diecisiete", "dieciocho", "diecinueve", "veinte",
            "veintiuno", "veintidós", "veintitrés", "veinticuatro", "veinticinco", "veintiséis", "veintisiete",
            "veintiocho", "veintinueve"];
  var EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
            "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"];
  var NUMBERS = {
    es: { small: ES, tens: { 3: "treinta", 4: "cuarenta", 5: "cincuenta", 6: "sesenta", 7: "setenta", 8: "ochenta",
                             9: "noventa" },
          joiner: " y ", hundreds: ["", "ciento", "doscientos", "trescientos", "cuatrocientos", "quinientos",
                                    "seiscientos", "setecientos", "ochocientos", "novecientos"],
          oneThousand: "mil", thousand: "mil", exact: { 100: "cien" } },
    en: { small: EN, tens: { 2: "twenty", 3: "thirty", 4: "forty", 5: "fifty", 6: "sixty", 7: "seventy",
                             8: "eighty", 9: "ninety" },
          joiner: "-", hundreds: EN.slice(0, 10).map(function (w, n) { return n ? w + " hundred" : ""; }),
          oneThousand: "one thousand", thousand: "thousand", exact: {} }
  };
  var MAX = 9999;
  var TEMPLATES = { es: "Turno {code}, {counter}", en: "Ticket {code}, {counter}" };

  function words(n, say) {
    if (say.exact[n]) return say.exact[n];
    if (n < say.small.length) return say.small[n];
    if (n < 100) {
      var unit = n % 10;
      return say.tens[Math.floor(n / 10)] + (unit ? say.joiner + say.small[unit] : "");
    }
    var head, rest;
    if (n < 1000) { head = say.hundreds[Math.floor(n / 100)]; rest = n % 100; }
    else {
      var count = Math.floor(n / 1000);
      head = count === 1 ? say.oneThousand : words(count, say) + " " + say.thousand;
      rest = n % 1000;
    }
    return head + (rest ? " " + words(rest, say) : "");
  }
  function numberToWords(n, lang) { return words(n, NUMBERS[lang === "es" ? "es" : "en"]); }
  function sayNumber(digits, lang) {
    var value = parseInt(digits, 10);
    if (value <= MAX) return numberToWords(value, lang);
    return digits.split("").map(function (d) { return numberToWords(+d, lang); }).join(" ");
  }
  function spellCode(code, lang) {
    var match = /^(\D*)(\d+)$/.exec(String(code).trim());
    if (!match) return String(code).split("").join(" ");
    var prefix = match[1].trim(), digits = match[2];
    var leading = digits.length - digits.replace(/^0+/, "").length, rest = digits.slice(leading);
    if (!rest) { leading -= 1; rest = "0"; }
    var parts = prefix ? [prefix.split("").join(" ")] : [];
    for (var i = 0; i < leading; i++) parts.push(numberToWords(0, lang));
    parts.push(sayNumber(rest, lang));
    return parts.join(" ");
  }
  function spokenCounter(name, lang) {
    return String(name).replace(/\d+/g, function (d) { return sayNumber(d, lang); }).trim().toLowerCase();
  }
  window.TurneroWords = {
    spellCode: spellCode,
    announcement: function (code, counter, lang) {
      lang = TEMPLATES[lang] ? lang : "en";
      return TEMPLATES[lang].replace("{code}", spellCode(code, lang)).replace("{counter}", spokenCounter(counter, lang));
    }
  };
})();
