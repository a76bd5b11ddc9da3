/* The learner's eyes and hands, run in the LMS frame: what the lesson shows now (across its
   same-origin frames), which controls a learner would press to go on, and the requests the lesson
   made since the last look (Resource Timing, on the LMS frame's clock). Defined once per launch
   as window.__walk; the browser helper presses controls with real mouse clicks. */
(function () {
  "use strict";
  if (window.__walk) { return; }
  var origin = performance.timeOrigin;

  // Accessible names, as a learner reads them. Never pressed: leaving, going back, tools.
  var NEVER = /\b(exit|close|quit|log ?out|sign ?out|print|download|back|previous|prev|replay|restart|retry|retake|try again|(start|begin) (again|over)|reset|menu|glossary|resources|help|transcript|mute|unmute|volume|settings|full ?screen|skip|captions?|search|home|bookmarks?|share|feedback|review)\b/i;
  var FORWARD = /^(next|continue|start|begin|forward|proceed|go on|get started|let'?s (go|start|begin)|(start|begin|launch|enter|resume) (the )?(course|lesson|module|training|now|here|learning)|next (slide|page|lesson|section|topic|screen|chapter|question|module))\b|^(→|›|»|>|>>|▶|►|⟩|➔|➜|⇨)$/i;
  // Courses speak their learners' language: the same words in Spanish, Portuguese, French, German,
  // Italian and Dutch (a Rise course in Portuguese starts with INICIAR).
  var FORWARD_WORDS = /^(siguiente|continuar|iniciar|empezar|comenzar|avanzar|próximo|próxima|proximo|seguinte|avançar|começar|suivant|suivante|continuer|commencer|démarrer|weiter|nächste|nächster|fortfahren|starten|beginnen|avanti|successivo|successiva|continua|inizia|iniziare|volgende|doorgaan|verder|begin)\b/i;
  // Russian (CourseLab and iSpring courses; its Cyrillic letters are no word characters for \b).
  var FORWARD_RU = /^(далее|дальше|вперёд|вперед|продолжить|начать|начало|старт|приступить|следующий|следующая|следующее)(?![а-яё])/i;
  var NEVER_RU = /(^|[^а-яё])(выход|выйти|закрыть|назад|печать|справка|меню|заново|повторить)(?![а-яё])/i;
  var SUBMIT = /^(submit|check|check (my )?answers?|confirm|validate|done|enviar|comprobar|verificar|envoyer|valider|absenden|prüfen|invia|verifica|indienen|controleren)\b/i;
  var COMPLETE = /^(mark (it |this )?(as )?(read|complete|completed|done|viewed|finished)|complete( (the )?(course|lesson|module|training))?|finish( (the )?(course|lesson|module|training))?|i have (read|watched|viewed|seen|completed|finished)|i agree|i understand|i acknowledge|acknowledge|got it)\b/i;
  // A control with no name of its own, told by its id or class (players' icon buttons).
  // A message a learner acknowledges before anything else (Lectora's trial notice, an alert's OK).
  var DISMISS = /^(ok|okay)$/i;
  // A question the lesson wants answered again before it goes on.
  var RETRY = /^(try again|retry|retake( (the )?(quiz|question|test))?|answer again|reintentar|intentar de nuevo|tentar novamente|réessayer|erneut versuchen|riprova|opnieuw proberen)\b/i;
  // A box a learner types in to find something, not a question the lesson asks.
  var SEARCH = /(^|[-_\s])search([-_\s]|$)|\bsearch\b/i;
  var FORWARD_HINT = /(^|[-_\s])(next|nxt|forward|continue|right)([-_\s.]|btn|button|arrow|$)/i;
  // A large play button over the lesson: the player waits for the learner to start it (Captivate's
  // start overlay, when its project does not play by itself). A clip's own play button is smaller
  // and, pressed, only plays the clip.
  var START = /^(play|click to (play|start|begin)|tap to (play|start|begin))$/i;
  var START_MIN_PX = 100;
  // Where a course keeps its outline (a list of its lessons).
  var NAVIGATION = "nav, [role=navigation]";
  // Players draw buttons as boxes named only by their title: Lectora Online's out of the tab order
  // (the object's name in the tool, such as 'arrow2_next'), CourseLab's with a script's handler
  // ('Следующий слайд' over a picture of an arrow). Of those, only what shows a pointer is pressed.
  var TITLED_BOX = "[title]";
  var CONTROLS = "button, [role=button], [role=link], a[href], input[type=button], input[type=submit], " +
                 "input[type=image], [onclick], [data-acc-text], [tabindex]:not([tabindex='-1'])";
  var CANDIDATES = CONTROLS + ", " + TITLED_BOX;
  // A name that is an object's identifier rather than words ('arrow2_next', 'btn-next'): read as a hint.
  var IDENTIFIER = /^[A-Za-z][\w-]*[_\d-][\w-]*$/;

  function frames() {
    var found = [];
    var sco = document.getElementById("sco");
    function visit(win, x, y, depth) {
      var doc;
      try { doc = win.document; } catch (e) { return; }  // another origin: not readable
      if (!doc || !doc.body || depth > 6) { return; }
      if (!win.__walkSeen) {
        win.__walkSeen = {resources: 0, navigation: false};
        try { win.performance.setResourceTimingBufferSize(3000); } catch (e) { /* older engines */ }
      }
      found.push({win: win, doc: doc, x: x, y: y});
      var inner = doc.querySelectorAll("iframe, frame");
      for (var i = 0; i < inner.length; i++) {
        var box = inner[i].getBoundingClientRect();
        if (inner[i].contentWindow && box.width > 1 && box.height > 1) {
          visit(inner[i].contentWindow, x + box.left, y + box.top, depth + 1);
        }
      }
    }
    if (sco && sco.contentWindow) { visit(sco.contentWindow, 0, 0, 0); }
    return found;
  }

  // Seen by a learner; ``drawn``: drawn at all, whether or not something else is on top of it.
  function shown(el, win, drawn) {
    var box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) { return false; }
    var style = win.getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none" || Number(style.opacity) === 0) { return false; }
    if (el.closest("[hidden]")) { return false; }
    if (drawn || !el.closest("[aria-hidden=true]")) { return true; }
    // Hidden from screen readers only (iSpring hides its whole player while a reader's view is
    // off): a sighted learner still sees and presses it when it is the top element where it is.
    var top = el.ownerDocument.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return !!top && (top === el || el.contains(top));
  }

  function disabled(el) {
    return el.disabled || el.getAttribute("aria-disabled") === "true" ||
           /(^|\s)(disabled|is-disabled|inactive)(\s|$)/i.test(el.className && el.className.baseVal === undefined ? el.className : "");
  }

  function nameOf(el) {
    var label = el.getAttribute("aria-label") || el.getAttribute("data-acc-text") || "";
    var by = el.getAttribute("aria-labelledby");
    if (!label && by) {
      label = by.split(/\s+/).map(function (id) {
        var ref = el.ownerDocument.getElementById(id);
        return ref ? ref.textContent : "";
      }).join(" ");
    }
    // Its text, else its title (a box whose only content is a drawing has whitespace for text).
    if (!label) { label = (el.innerText || el.textContent || el.value || "").trim() || el.getAttribute("title") || ""; }
    if (!label) {
      var img = el.querySelector && el.querySelector("img[alt]");
      label = img ? img.getAttribute("alt") : "";
    }
    return label.replace(/\s+/g, " ").trim().slice(0, 80);
  }

  function classify(el, name) {
    if (RETRY.test(name)) { return "retry"; }  // never pressed: it says the lesson wants another answer
    if (DISMISS.test(name)) { return "dismiss"; }
    if (NEVER.test(name) || NEVER_RU.test(name)) { return null; }
    if (el.tagName === "A") {
      var href = el.getAttribute("href") || "";
      if (el.target === "_blank" || /^(mailto|tel|javascript:void)/i.test(href) ||
          (/^[a-z]+:\/\//i.test(href) && !/^javascript:/i.test(href) && href.indexOf(location.origin) !== 0)) { return null; }
    }
    // An entry of the course's outline (a list inside navigation) jumps to its lesson; a learner
    // goes on with the lesson's own controls (Rise's outline names 'Get Started with …').
    if (el.closest("li, [role=listitem], [role=treeitem], [role=menuitem]") && el.closest(NAVIGATION)) {
      return null;
    }
    if (FORWARD.test(name) || FORWARD_WORDS.test(name) || FORWARD_RU.test(name)) { return "forward"; }
    if (START.test(name)) {
      var area = el.getBoundingClientRect();
      if (area.width >= START_MIN_PX && area.height >= START_MIN_PX) { return "forward"; }
    }
    if (SUBMIT.test(name)) { return "submit"; }
    if (COMPLETE.test(name)) { return "complete"; }
    // …or by the picture it shows (Lectora's arrow: an unnamed link around images/right-normal.png).
    var img = el.querySelector && el.querySelector("img[src]");
    var hint = (el.id || "") + " " + (typeof el.className === "string" ? el.className : "") + " " +
               (img ? img.getAttribute("src").split("/").pop() : "");
    var named = IDENTIFIER.test(name);
    var told = hint + " " + (named ? name : "");
    if ((!name || named) && FORWARD_HINT.test(told) && !/(prev|back)/i.test(told)) { return "forward"; }
    return null;
  }

  function controls(list, extra) {
    var found = [], seen = [];
    list.forEach(function (f) {
      var els = Array.prototype.slice.call(f.doc.querySelectorAll(CANDIDATES));
      (extra || []).forEach(function (selector) {
        try { els = els.concat(Array.prototype.slice.call(f.doc.querySelectorAll(selector))); } catch (e) { /* bad selector */ }
      });
      els.forEach(function (el) {
        if (seen.indexOf(el) >= 0 || !shown(el, f.win, true)) { return; }
        seen.push(el);
        if (el.matches(TITLED_BOX) && !el.matches(CONTROLS) && f.win.getComputedStyle(el).cursor !== "pointer") { return; }
        var name = nameOf(el);
        var tier = (extra && extra.length && el.matches && extra.some(function (s) {
          try { return el.matches(s); } catch (e) { return false; }
        })) ? "forward" : classify(el, name);
        // A retry is never pressed, only read: shown at all, it says the lesson wants another answer
        // (a feedback box still moving in may not yet be on top where it is).
        if (!tier || (tier !== "retry" && !shown(el, f.win))) { return; }
        if (disabled(el)) { tier = "disabled-" + tier; }
        var box = el.getBoundingClientRect();
        found.push({tier: tier, name: name || (el.id ? "#" + el.id : el.tagName.toLowerCase()),
                    key: tier + "|" + name + "|" + Math.round(f.x + box.left) + "," + Math.round(f.y + box.top),
                    el: el, frame: f});
      });
    });
    return found;
  }

  // A choice a learner sees: the input itself or its label…
  function seenChoice(el, win) {
    return shown(el, win) || !!(el.labels && el.labels[0] && shown(el.labels[0], win));
  }

  // …or what a player's own choice widget draws over its input, an invisible stand-in.
  function choiceShown(el, win) {
    return seenChoice(el, win) || !!standIn(el, win);
  }

  // What the player draws for a choice whose own input cannot be seen; null for a plain input.
  function standIn(el, win) {
    if ((el.type !== "radio" && el.type !== "checkbox") || seenChoice(el, win)) { return null; }
    // Rendered (no hidden ancestor) but not seen: the nearest box around it is what the player
    // draws for it (its circle or its row), where a learner clicks.
    if (!el.getClientRects().length || win.getComputedStyle(el).visibility === "hidden") { return null; }
    for (var row = el.parentElement, up = 0; row && up < 3; row = row.parentElement, up++) {
      var box = row.getBoundingClientRect();
      if (box.width >= 2 && box.height >= 2) { return shown(row, win) ? row : null; }
    }
    return null;
  }

  // The question a choice widget with no group role belongs to: the nearest box holding another
  // choice of its kind (a player may wrap each choice in its own box).
  function choiceGroup(el) {
    var selector = "[role=" + el.getAttribute("role") + "]";
    for (var box = el.parentElement, up = 0; box && up < 6; box = box.parentElement, up++) {
      if (box.querySelectorAll(selector).length > 1) { return box; }
    }
    return el.parentElement;
  }

  // How many lessons the course's outline (a list inside navigation) lists after the entry it
  // marks current: a screen with lessons after it is not the course's last, whatever it offers.
  function lessonsAfter(list) {
    var after = 0;
    list.forEach(function (f) {
      Array.prototype.forEach.call(f.doc.querySelectorAll(NAVIGATION), function (nav) {
        var entries = Array.prototype.slice.call(nav.querySelectorAll("li, [role=listitem], [role=treeitem]"));
        var current = -1;
        entries.forEach(function (entry, index) {
          var marked = entry.matches("[aria-current]:not([aria-current=false])") ||
                       entry.querySelector("[aria-current]:not([aria-current=false])") ||
                       [entry].concat(Array.prototype.slice.call(entry.querySelectorAll("a, button"))).some(function (e) {
                         return /(^|[\s_-])(active|current)([\s_-]|$)/i.test(typeof e.className === "string" ? e.className : "");
                       });
          if (marked && current < 0) { current = index; }
        });
        if (current >= 0) { after = Math.max(after, entries.length - current - 1); }
      });
    });
    return after;
  }

  function fieldName(el) {
    return [el.type, el.name, el.id, typeof el.className === "string" ? el.className : "",
            el.getAttribute("placeholder"), el.getAttribute("aria-label")].join(" ");
  }

  function questions(list) {
    var open = [];
    list.forEach(function (f) {
      var groups = {};
      Array.prototype.forEach.call(f.doc.querySelectorAll("input[type=radio], input[type=checkbox]"), function (el) {
        if (!choiceShown(el, f.win)) { return; }
        var group = el.type + ":" + (el.name || el.id);
        groups[group] = groups[group] || {els: [], checked: false};
        groups[group].els.push(el);
        groups[group].checked = groups[group].checked || el.checked;
      });
      Object.keys(groups).forEach(function (g) {
        if (!groups[g].checked) { open.push({el: groups[g].els[0], frame: f}); }
      });
      // A player's own choice widgets, no input behind them (Rise draws its knowledge checks so):
      // role radio or checkbox, one question per group, answered once one of it is aria-checked.
      var owners = [];
      Array.prototype.forEach.call(f.doc.querySelectorAll("[role=radio], [role=checkbox]"), function (el) {
        if (el.tagName === "INPUT" || !shown(el, f.win)) { return; }
        var owner = el.closest("[role=radiogroup], [role=group], fieldset") || choiceGroup(el);
        var group = owners.filter(function (o) { return o.owner === owner; })[0];
        if (!group) { group = {owner: owner, el: el, checked: false}; owners.push(group); }
        group.checked = group.checked || el.getAttribute("aria-checked") === "true";
      });
      owners.forEach(function (o) { if (!o.checked) { open.push({el: o.el, frame: f}); } });
      Array.prototype.forEach.call(f.doc.querySelectorAll("input[type=text], input:not([type]), textarea, select"), function (el) {
        if (shown(el, f.win) && !el.value && !SEARCH.test(fieldName(el))) { open.push({el: el, frame: f}); }
      });
    });
    return open;
  }

  function media(list) {
    var found = [];
    list.forEach(function (f) {
      Array.prototype.forEach.call(f.doc.querySelectorAll("video, audio"), function (el) {
        var source = el.querySelector("source");
        var src = el.currentSrc || el.src || (source || {}).src || "";
        var type = (source && source.getAttribute("type")) || "";
        // No source this browser can play: an error on the element, or (for <source> children) none left.
        var unplayable = Boolean(el.error) || el.networkState === 3 || (type && el.canPlayType(type) === "");
        found.push({kind: el.tagName.toLowerCase(), src: src, shown: el.tagName === "AUDIO" || shown(el, f.win),
                    paused: el.paused, ended: el.ended, duration: isFinite(el.duration) ? el.duration : null,
                    current: el.currentTime, error: el.error ? el.error.code : 0, ready: el.readyState,
                    unplayable: unplayable, type: type});
      });
    });
    return found;
  }

  function hash(text) {
    var h = 5381;
    for (var i = 0; i < text.length; i++) { h = ((h << 5) + h + text.charCodeAt(i)) | 0; }
    return (h >>> 0).toString(16);
  }

  // What a player that draws everything (no text at all: Captivate paints its slides on canvases)
  // still says of its screen: the text alternatives of what it shows, or the names of the labelled
  // boxes it shows (a slide whose only picture is a clip has no text alternative, but its own box).
  function drawnText(list) {
    var said = [];
    list.forEach(function (f) {
      Array.prototype.forEach.call(f.doc.querySelectorAll("[aria-label], img[alt]"), function (el) {
        var label = (el.getAttribute("aria-label") || el.getAttribute("alt") || "").trim() || (el.id ? "#" + el.id : "");
        if (label && shown(el, f.win, true)) { said.push(label); }
      });
    });
    return said.join("\u0002").slice(0, 20000);
  }

  // A screen is told by its text (clock times left out: a player's time display ticks while the
  // screen stays the same, as 02:56 or as CourseLab's test timer, '2 мин 56 сек'), the frames'
  // pages and the media shown.
  var CLOCK = /\b\d{1,2}(:\d{2}){1,2}\b/g;
  var DURATION = /\d+\s*(h|hrs?|hours?|min|mins|minutes?|s|secs?|seconds?|ч|час(а|ов)?|мин(ут[аы]?)?|с|сек(унд[аы]?)?)(?![A-Za-zА-Яа-яЁё])/gi;
  function look(list) {
    var text = "", title = "", docTitle = "", visible = "";
    list.forEach(function (f) {
      var own = (f.doc.body.innerText || "").slice(0, 20000);
      visible += own.trim();
      text += own + "\u0001" + f.win.location.pathname;
      if (!title) {
        var heading = f.doc.querySelector("h1, h2, [role=heading]");
        title = (heading && heading.innerText.trim()) || "";
      }
      docTitle = docTitle || (f.doc.title || "").trim();
    });
    if (!visible) { text += drawnText(list); }
    var shownMedia = media(list).filter(function (m) { return m.shown; }).map(function (m) { return m.src; });
    return {signature: hash(text.replace(CLOCK, "#:#").replace(DURATION, "#") + shownMedia.join("|")),
            title: (title || docTitle).replace(/\s+/g, " ").slice(0, 80), text_chars: text.length,
            drawn: !visible};
  }

  function requests(list) {
    var out = [];
    list.forEach(function (f) {
      var perf = f.win.performance, shift = perf.timeOrigin - origin, seen = f.win.__walkSeen;
      if (!seen.navigation) {
        var nav = perf.getEntriesByType("navigation")[0];
        if (nav) {
          seen.navigation = true;
          out.push({url: nav.name, type: "document", start_ms: shift + nav.startTime, end_ms: shift + nav.responseEnd,
                    bytes: nav.transferSize || nav.encodedBodySize || 0, status: nav.responseStatus || 0});
        }
      }
      var entries = perf.getEntriesByType("resource");
      for (var i = seen.resources; i < entries.length; i++) {
        var r = entries[i];
        out.push({url: r.name, type: r.initiatorType, start_ms: shift + r.startTime, end_ms: shift + r.responseEnd,
                  bytes: r.transferSize || r.encodedBodySize || 0, status: r.responseStatus || 0});
      }
      seen.resources = entries.length;
    });
    return out;
  }

  window.__walk = {
    // What the learner sees now, the controls to go on (not the elements: positions on the view).
    screen: function (extra) {
      var list = frames(), state = look(list);
      state.controls = controls(list, extra).slice(0, 40).map(function (c) {
        return {tier: c.tier, name: c.name, key: c.key};
      });
      state.questions = questions(list).length;
      state.lessons_after = lessonsAfter(list);
      state.media = media(list);
      state.frames = list.length;
      state.requests = requests(list);
      state.at_ms = performance.now();
      return JSON.stringify(state);
    },
    signature: function () { return look(frames()).signature; },
    // Where a control is on the view, scrolled into sight first; null when it is gone.
    locate: function (key, extra) {
      var match = controls(frames(), extra).filter(function (c) { return c.key === key; })[0];
      if (!match) { return "null"; }
      match.el.scrollIntoView({block: "center", inline: "center"});
      var box = match.el.getBoundingClientRect(), f = match.frame;
      var x = f.x + box.left + box.width / 2, y = f.y + box.top + box.height / 2;
      return JSON.stringify({x: x, y: y, key: controls(frames(), extra).filter(function (c) {
        return c.el === match.el; }).map(function (c) { return c.key; })[0] || key});
    },
    // A learner answers what is asked: the first choice of each group, a word in each box.
    // A choice whose input is an invisible stand-in is answered as a learner does: the helper
    // clicks the row that shows it (its position on the view is returned).
    answer: function () {
      var open = questions(frames()), clicks = [];
      open.forEach(function (q) {
        var el = q.el, row = standIn(el, q.frame.win);
        if (row) {
          row.scrollIntoView({block: "center", inline: "center"});
          var box = row.getBoundingClientRect();
          clicks.push({x: q.frame.x + box.left + box.width / 2, y: q.frame.y + box.top + box.height / 2});
          return;
        }
        if (el.tagName === "SELECT") { if (el.options.length > 1) { el.selectedIndex = 1; } }
        else if (el.type === "radio" || el.type === "checkbox" || (el.tagName !== "INPUT" && el.tagName !== "TEXTAREA")) {
          el.click();
        }
        else { el.value = "answer"; }
        el.dispatchEvent(new Event("input", {bubbles: true}));
        el.dispatchEvent(new Event("change", {bubbles: true}));
      });
      return JSON.stringify({answered: open.length, clicks: clicks});
    },
    // A learner presses play on the clip shown; what it then does is read on the next look.
    play: function () {
      frames().forEach(function (f) {
        Array.prototype.forEach.call(f.doc.querySelectorAll("video, audio"), function (el) {
          if (el.paused && !el.ended && !el.error && (el.tagName === "AUDIO" || shown(el, f.win))) {
            try { var p = el.play(); if (p && p.catch) { p.catch(function () {}); } } catch (e) { /* not playable */ }
          }
        });
      });
      return true;
    },
    requests: function () { return JSON.stringify(requests(frames())); }
  };
}());
true;
