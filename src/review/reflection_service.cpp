// Reflections, private answers, the reveal, facet agreement and action items (see
// reflection_service.hpp).
#include "review/reflection_service.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

#include "log/event_log.hpp"
#include "review/reflection_prompts.hpp"
#include "text/coded_error.hpp"
#include "text/utf16.hpp"

namespace coplan::review {

namespace {

using nlohmann::json;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

constexpr std::size_t max_answer_units = 8000;

struct reflection_row {
  std::int64_t id = 0, unit_id = 0, created_at = 0, created_by = 0;
  std::string kind, protocol, lesson, agreed_facet;
  std::int64_t revealed_at = 0, agreed_at = 0;
  json suggestion;
};

reflection_row load_row(store::database& db, std::int64_t id, std::int64_t unit_id) {
  auto st = db.prepare(
      "SELECT id, unit_id, kind, protocol, coalesce(lesson_id, ''), coalesce(revealed_at, 0), coalesce(suggestion, ''), "
      "coalesce(agreed_facet, ''), coalesce(agreed_at, 0), created_by, created_at FROM reflections WHERE id = ? AND unit_id = ?");
  st.bind(1, id).bind(2, unit_id);
  if (!st.step()) throw coded_error("unknown_reflection", "no such reflection in this unit");
  reflection_row r;
  r.id = st.int64(0);
  r.unit_id = st.int64(1);
  r.kind = st.text(2);
  r.protocol = st.text(3);
  r.lesson = st.text(4);
  r.revealed_at = st.int64(5);
  auto sug = st.text(6);
  r.suggestion = sug.empty() ? json() : json::parse(sug);
  r.agreed_facet = st.text(7);
  r.agreed_at = st.int64(8);
  r.created_by = st.int64(9);
  r.created_at = st.int64(10);
  return r;
}

// Whether a member's row holds anything of theirs: an answer's text or evidence, a rating, or a
// submission. Until some member's does, the reflection's protocol may still change.
bool has_answered(const std::string& answers, const std::string& facet, std::int64_t submitted_at) {
  if (!facet.empty() || submitted_at) return true;
  auto parsed = json::parse(answers);
  for (const auto& [id, a] : parsed.items()) {
    auto text = a.value("text", std::string());
    if (text.find_first_not_of(" \t\r\n") != std::string::npos || !a.value("evidence", json::array()).empty()) return true;
  }
  return false;
}

bool anyone_answered(store::database& db, std::int64_t reflection) {
  auto st = db.prepare("SELECT answers, coalesce(facet, ''), coalesce(submitted_at, 0) FROM reflection_answers WHERE reflection_id = ?");
  st.bind(1, reflection);
  while (st.step())
    if (has_answered(st.text(0), st.text(1), st.int64(2))) return true;
  return false;
}

// The action items that reach unit `cur`: those from a unit of the same partnership made before it
// (so a unit's items show in its partners' next units, never in older ones), those from the unit
// it was copied from ("use again next year"), and those of cur's own lesson check-ins (what to
// adjust before the next lesson, which is in the same unit). `a` is the item, `f` the unit it came from.
constexpr const char* item_reaches_cur =
    "(a.done_in_unit IS NULL OR a.done_in_unit = cur.id) "
    "AND ((a.from_unit <> cur.id AND ((a.partnership_id = cur.partnership_id "
    "AND (f.created_at < cur.created_at OR (f.created_at = cur.created_at AND f.id < cur.id))) OR a.from_unit = cur.copied_from)) "
    "OR (a.from_unit = cur.id AND EXISTS (SELECT 1 FROM reflections src WHERE src.id = a.reflection_id AND src.kind = 'checkin')))";

}  // namespace

reflection_service::reflection_service(store::store& db, unit::unit_registry& registry, history_service& history)
    : db_(db), registry_(registry), history_(history) {
  reflection_prompts::check_bank(registry_.templates().reflection());
}

void reflection_service::open_on_phase(store::database& db, const json& bank, std::int64_t unit_id, const std::string& phase,
                                       std::uint32_t author) noexcept {
  if (phase != "reflect") return;
  try {
    auto st = db.prepare(
        "INSERT INTO reflections(unit_id, kind, protocol, created_by, created_at) "
        "SELECT u.id, 'unit', ?, coalesce((SELECT id FROM users WHERE id = ?), u.created_by), ? FROM units u "
        "WHERE u.id = ? AND NOT EXISTS (SELECT 1 FROM reflections r WHERE r.unit_id = u.id AND r.kind = 'unit')");
    st.bind(1, reflection_prompts::default_protocol(bank)).bind(2, static_cast<std::int64_t>(author)).bind(3, now_ms()).bind(4, unit_id);
    st.run();
  } catch (const std::exception& e) {
    // The phase change is saved all the same; the reflection opens when a member next lists them.
    log::event_log::write("error", "reflection_not_opened", {{"unit", unit_id}, {"error", e.what()}});
  }
}

const json* reflection_service::find_protocol(const std::string& protocol) const {
  const auto& bank = registry_.templates().reflection();
  if (!bank.contains("protocols")) return nullptr;
  for (const auto& p : bank["protocols"])
    if (p["id"] == protocol) return &p;
  return nullptr;
}

bool reflection_service::known_protocol(const std::string& kind, const std::string& protocol) const {
  const auto* p = find_protocol(protocol);
  return p && p->value("kind", "unit") == kind;
}

std::vector<std::uint32_t> reflection_service::members_of(const store::unit_record& unit) {
  store::account_store accounts(db_);
  std::vector<std::uint32_t> ids;
  for (const auto& m : accounts.unit_members(unit.id)) ids.push_back(static_cast<std::uint32_t>(m.id));
  return ids;
}

json reflection_service::report_for(const store::unit_record& unit) {
  auto authority = registry_.open(unit);
  return history_.contributions(unit, authority->members(), registry_.templates().expertise());
}

json reflection_service::list(const store::unit_record& unit, std::uint32_t viewer) {
  std::vector<std::int64_t> ids;
  {
    auto db = db_.borrow();
    // A unit that entered the reflect phase before reflections opened with it (or whose opening
    // failed) gets its reflection now.
    if (registry_.open(unit)->current_summary().values.value("phase", "") == "reflect")
      open_on_phase(*db, registry_.templates().reflection(), unit.id, "reflect", viewer);
    auto st = db->prepare("SELECT id FROM reflections WHERE unit_id = ? ORDER BY id");
    st.bind(1, unit.id);
    while (st.step()) ids.push_back(st.int64(0));
  }
  auto out = json::array();
  for (auto id : ids) out.push_back(view(unit, id, viewer));
  const auto& bank = registry_.templates().reflection();
  auto protocols = json::array();
  for (const auto& p : bank.value("protocols", json::array()))
    protocols.push_back({{"id", p["id"]}, {"name", p["name"]}, {"summary", p.value("summary", "")}, {"credit", p.value("credit", "")},
                         {"kind", p.value("kind", "unit")}});
  return {{"reflections", std::move(out)}, {"protocols", std::move(protocols)}, {"facets", bank.value("facets", json::object())}};
}

json reflection_service::start(const store::unit_record& unit, std::uint32_t viewer, const std::string& kind,
                               const std::string& protocol, const std::string& lesson) {
  if (kind != "unit" && kind != "checkin") throw coded_error("bad_request", "kind is unit or checkin");
  if (!known_protocol(kind, protocol)) throw coded_error("unknown_protocol", "no " + kind + " protocol " + protocol.substr(0, 40));
  if (kind == "checkin") {
    bool exists = false;
    registry_.open(unit)->run_and_wait([&](const unit::unit_doc& doc) {
      const auto* b = doc.find_block(lesson);
      exists = b && !b->removed && b->list == "lessons";
    });
    if (!exists) throw coded_error("unknown_block", "no such lesson");
  }
  std::int64_t id = 0;
  {
    auto db = db_.borrow();
    store::in_transaction(*db, [&] {
      auto dup = db->prepare("SELECT id FROM reflections WHERE unit_id = ? AND kind = ? AND coalesce(lesson_id, '') = ?");
      dup.bind(1, unit.id).bind(2, kind).bind(3, kind == "checkin" ? lesson : std::string());
      if (dup.step()) {
        id = dup.int64(0);  // already started: the same reflection for everyone
        return;
      }
      auto st = db->prepare(
          "INSERT INTO reflections(unit_id, kind, protocol, lesson_id, created_by, created_at) VALUES (?,?,?,?,?,?)");
      st.bind(1, unit.id).bind(2, kind).bind(3, protocol);
      if (kind == "checkin") st.bind(4, lesson);
      else st.bind_null(4);
      st.bind(5, static_cast<std::int64_t>(viewer)).bind(6, now_ms());
      st.run();
      id = db->last_insert_rowid();
    });
  }
  return view(unit, id, viewer);
}

json reflection_service::view(const store::unit_record& unit, std::int64_t reflection, std::uint32_t viewer) {
  auto db = db_.borrow();
  auto r = load_row(*db, reflection, unit.id);
  // Each member's prompts are fixed the first time they open the reflection.
  json mine;
  {
    auto st = db->prepare("SELECT prompts, answers, coalesce(facet, ''), coalesce(agree_facet, ''), coalesce(submitted_at, 0) "
                          "FROM reflection_answers WHERE reflection_id = ? AND user_id = ?");
    st.bind(1, reflection).bind(2, static_cast<std::int64_t>(viewer));
    if (st.step())
      mine = {{"prompts", json::parse(st.text(0))}, {"answers", json::parse(st.text(1))}, {"facet", st.text(2)},
              {"agree", st.text(3)}, {"submitted", st.int64(4) != 0}};
  }
  if (mine.is_null()) {
    json prompts;
    std::string lesson_title;
    auto report = r.kind == "unit" ? report_for(unit) : json();
    registry_.open(unit)->run_and_wait([&](const unit::unit_doc& doc) {
      if (!r.lesson.empty())
        if (const auto* s = doc.find_stream(r.lesson + ".title")) lesson_title = s->text.to_utf8();
      prompts = reflection_prompts::choose(registry_.templates().reflection(), r.protocol,
                                           report.is_null() ? json{{"members", json::array()}} : report, doc, viewer, lesson_title);
    });
    auto st = db->prepare(
        "INSERT OR IGNORE INTO reflection_answers(reflection_id, user_id, prompts, answers, updated_at) VALUES (?,?,?,'{}',?)");
    st.bind(1, reflection).bind(2, static_cast<std::int64_t>(viewer)).bind(3, prompts.dump()).bind(4, now_ms());
    st.run();
    mine = {{"prompts", prompts}, {"answers", json::object()}, {"facet", ""}, {"agree", ""}, {"submitted", false}};
  }
  json partners = json::array();
  json everyone = json::object();
  auto st = db->prepare("SELECT user_id, prompts, answers, coalesce(facet, ''), coalesce(agree_facet, ''), coalesce(submitted_at, 0) "
                        "FROM reflection_answers WHERE reflection_id = ?");
  st.bind(1, reflection);
  std::map<std::uint32_t, bool> submitted;
  bool answered = false;
  while (st.step()) {
    auto uid = static_cast<std::uint32_t>(st.int64(0));
    submitted[uid] = st.int64(5) != 0;
    answered = answered || has_answered(st.text(2), st.text(3), st.int64(5));
    // Other members' answers only after the reveal, and only those they submitted: before it, only
    // whether they submitted. (A draft never submitted — of someone no longer a member, say — is
    // never shown.)
    if (r.revealed_at && submitted[uid])
      everyone[std::to_string(uid)] = {{"prompts", json::parse(st.text(1))}, {"answers", json::parse(st.text(2))},
                                      {"facet", st.text(3)}, {"agree", st.text(4)}};
  }
  for (auto uid : members_of(unit))
    if (uid != viewer) partners.push_back({{"user", uid}, {"submitted", submitted.count(uid) && submitted[uid]}});
  json out{{"id", r.id},
           {"kind", r.kind},
           {"protocol", r.protocol},
           {"lesson", r.lesson},
           {"createdAt", r.created_at},
           {"state", r.revealed_at ? "revealed" : "open"},
           {"canChangeProtocol", r.kind == "unit" && !r.revealed_at && !answered},
           {"me", mine},
           {"partners", partners}};
  if (r.revealed_at) {
    out["revealedAt"] = r.revealed_at;
    out["everyone"] = everyone;
    out["suggestion"] = r.suggestion;
    out["agreed"] = r.agreed_facet.empty() ? json() : json(r.agreed_facet);
  }
  return out;
}

json reflection_service::change_protocol(const store::unit_record& unit, std::int64_t reflection, std::uint32_t viewer,
                                         const std::string& protocol) {
  {
    auto db = db_.borrow();
    store::in_transaction(*db, [&] {
      auto r = load_row(*db, reflection, unit.id);
      if (!known_protocol(r.kind, protocol)) throw coded_error("unknown_protocol", "no " + r.kind + " protocol " + protocol.substr(0, 40));
      if (r.protocol == protocol) return;
      if (r.kind != "unit" || anyone_answered(*db, reflection))
        throw coded_error("already_answered", "the protocol can change only before anyone answers");
      auto st = db->prepare("UPDATE reflections SET protocol = ? WHERE id = ?");
      st.bind(1, protocol).bind(2, reflection);
      st.run();
      // Nobody has written anything: their prompts are chosen again, from the new protocol.
      auto clear = db->prepare("DELETE FROM reflection_answers WHERE reflection_id = ?");
      clear.bind(1, reflection);
      clear.run();
    });
  }
  return view(unit, reflection, viewer);
}

json reflection_service::save(const store::unit_record& unit, std::int64_t reflection, std::uint32_t viewer,
                              const std::string& protocol, const json& prompts, const json& answers, const json& facet) {
  if (!answers.is_object() || answers.size() > 30) throw coded_error("bad_request", "answers must be an object");
  if (!prompts.is_null() && (!prompts.is_array() || prompts.size() > 60 ||
                             !std::all_of(prompts.begin(), prompts.end(), [](const json& p) { return p.is_string(); })))
    throw coded_error("bad_request", "prompts is a list of prompt ids");
  json clean = json::object();
  for (const auto& [k, v] : answers.items()) {
    if (!v.is_object() || !v.contains("text") || !v["text"].is_string()) throw coded_error("bad_request", "an answer has a text");
    auto t = v["text"].get<std::string>();
    text::utf8_to_utf16(t);  // valid Unicode
    if (text::utf16_length_of_utf8(t) > max_answer_units) throw coded_error("too_large", "an answer is at most 8000 characters");
    json evidence = json::array();
    if (v.contains("evidence")) {
      if (!v["evidence"].is_array() || v["evidence"].size() > 20) throw coded_error("bad_request", "evidence is a short list");
      for (const auto& e : v["evidence"]) {
        if (!e.is_object() || !e.contains("kind") || !e.contains("ref")) throw coded_error("bad_request", "evidence needs kind and ref");
        auto kind = e["kind"];
        if (kind != "section" && kind != "block" && kind != "moment") throw coded_error("bad_request", "evidence is a section, a block or a moment");
        if (kind == "moment" ? !e["ref"].is_number_unsigned() : !e["ref"].is_string() || e["ref"].get<std::string>().size() > 64)
          throw coded_error("bad_request", "bad evidence reference");
        evidence.push_back({{"kind", kind}, {"ref", e["ref"]}, {"label", e.value("label", std::string()).substr(0, 200)}});
      }
    }
    clean[k] = {{"text", t}, {"evidence", evidence}};
  }
  check_evidence(unit, clean);
  std::string rating;
  if (facet.is_string()) {
    rating = facet.get<std::string>();
    bool ok = rating.empty();
    for (const auto& f : registry_.templates().reflection()["facets"]["list"]) ok |= f["id"] == rating;
    if (!ok) throw coded_error("bad_value", "unknown facet");
  }
  auto changed = [&](const std::string& now) {
    const auto* p = find_protocol(now);
    return coded_error("protocol_changed", "the protocol changed to " + (p ? p->value("name", now) : now) +
                                               " before this draft was saved; nothing was saved");
  };
  {
    // Checked before view() below, which would otherwise choose the viewer's prompts for the new
    // protocol: a refused save writes nothing at all.
    auto db = db_.borrow();
    if (auto r = load_row(*db, reflection, unit.id); r.protocol != protocol) throw changed(r.protocol);
  }
  view(unit, reflection, viewer);  // makes the viewer's row (their prompts) if they have none yet
  {
    // Regression (reflection draft loss): a partner may change the protocol between the page
    // loading its prompts and this save; change_protocol then deleted the rows and chose new
    // prompts, and the draft was refused as "no prompt …" (or landed under other prompts). The
    // caller says which protocol (and prompts) it answered; checked and written in one
    // transaction, so a concurrent change_protocol comes either wholly before (protocol_changed,
    // nothing written) or wholly after (it sees the answer and refuses with already_answered).
    auto db = db_.borrow();
    store::in_transaction(*db, [&] {
      auto r = load_row(*db, reflection, unit.id);
      if (r.protocol != protocol) throw changed(r.protocol);
      auto st = db->prepare("SELECT prompts, coalesce(submitted_at, 0) FROM reflection_answers WHERE reflection_id = ? AND user_id = ?");
      st.bind(1, reflection).bind(2, static_cast<std::int64_t>(viewer));
      if (!st.step()) throw changed(r.protocol);  // deleted by a protocol change since view() made it
      if (st.int64(1)) throw coded_error("already_submitted", "you have already submitted this reflection");
      std::vector<std::string> mine;
      for (const auto& p : json::parse(st.text(0))) mine.push_back(p["id"].get<std::string>());
      // The same protocol chosen again (A → B → A) can give other record prompts.
      if (!prompts.is_null() && prompts != json(mine)) throw changed(r.protocol);
      for (const auto& [k, v] : clean.items())
        if (std::find(mine.begin(), mine.end(), k) == mine.end()) throw coded_error("bad_request", "no prompt " + k.substr(0, 40));
      auto upd = db->prepare("UPDATE reflection_answers SET answers = ?, facet = ?, updated_at = ? WHERE reflection_id = ? AND user_id = ?");
      upd.bind(1, clean.dump());
      if (rating.empty()) upd.bind_null(2);
      else upd.bind(2, rating);
      upd.bind(3, now_ms()).bind(4, reflection).bind(5, static_cast<std::int64_t>(viewer));
      upd.run();
    });
  }
  return view(unit, reflection, viewer);
}

void reflection_service::check_evidence(const store::unit_record& unit, const json& answers) {
  std::vector<json> cited;
  for (const auto& [k, a] : answers.items())
    for (const auto& e : a["evidence"]) cited.push_back(e);
  std::string unknown;
  auto refs_in_doc = std::any_of(cited.begin(), cited.end(), [](const json& e) { return e["kind"] != "moment"; });
  if (refs_in_doc)
    registry_.open(unit)->run_and_wait([&](const unit::unit_doc& doc) {
      for (const auto& e : cited) {
        if (e["kind"] == "moment") continue;
        auto ref = e["ref"].get<std::string>();
        // A removed block still counts: a draft may cite a lesson that was removed after it was cited.
        if (e["kind"] == "section" ? !doc.spec().has_section(ref) : !doc.find_block(ref)) {
          unknown = (e["kind"] == "section" ? "no section " : "no lesson or resource ") + ref.substr(0, 40) + " in this unit";
          return;
        }
      }
    });
  if (unknown.empty()) {
    std::optional<std::uint64_t> ops;
    for (const auto& e : cited) {
      if (e["kind"] != "moment") continue;
      if (!ops) ops = history_.op_count(unit);
      if (auto op = e["ref"].get<std::uint64_t>(); op > *ops) {
        unknown = "this unit has " + std::to_string(*ops) + " edits, not " + std::to_string(op);
        break;
      }
    }
  }
  if (!unknown.empty()) throw coded_error("unknown_evidence", "cited evidence does not exist: " + unknown + "; nothing was saved");
}

json reflection_service::submit(const store::unit_record& unit, std::int64_t reflection, std::uint32_t viewer) {
  auto current = view(unit, reflection, viewer);
  if (current["me"]["submitted"].get<bool>()) return current;
  {
    auto db = db_.borrow();
    auto st = db->prepare("UPDATE reflection_answers SET submitted_at = ? WHERE reflection_id = ? AND user_id = ?");
    st.bind(1, now_ms()).bind(2, reflection).bind(3, static_cast<std::int64_t>(viewer));
    st.run();
  }
  // Every member now in the unit has submitted: reveal. (Regression: submissions were counted
  // whoever made them, so one by someone no longer a member stood in for a member's, and the
  // reflection was revealed with that member's draft in it.)
  auto members = members_of(unit);
  std::size_t done = 0;
  {
    auto db = db_.borrow();
    auto st = db->prepare("SELECT user_id FROM reflection_answers WHERE reflection_id = ? AND submitted_at IS NOT NULL");
    st.bind(1, reflection);
    while (st.step())
      done += std::count(members.begin(), members.end(), static_cast<std::uint32_t>(st.int64(0))) > 0;
  }
  if (done == members.size()) reveal(unit, reflection);
  return view(unit, reflection, viewer);
}

void reflection_service::reveal(const store::unit_record& unit, std::int64_t reflection) {
  auto db = db_.borrow();
  auto r = load_row(*db, reflection, unit.id);
  if (r.revealed_at) return;
  json suggestion;
  if (r.kind == "unit") {
    int integrated_before = 0;
    auto st = db->prepare(
        "SELECT count(*) FROM reflections r JOIN units u ON u.id = r.unit_id WHERE u.partnership_id = ? AND r.unit_id <> ? "
        "AND r.agreed_facet IN ('integrated_instruction', 'integrated_curriculum')");
    st.bind(1, unit.partnership_id).bind(2, unit.id);
    st.step();
    integrated_before = static_cast<int>(st.int64(0));
    suggestion = reflection_prompts::suggest_facet(registry_.templates().reflection(), report_for(unit), integrated_before);
  }
  store::in_transaction(*db, [&] {
    auto now = now_ms();
    auto upd = db->prepare("UPDATE reflections SET revealed_at = ?, suggestion = ? WHERE id = ? AND revealed_at IS NULL");
    upd.bind(1, now);
    if (suggestion.is_null()) upd.bind_null(2);
    else upd.bind(2, suggestion.dump());
    upd.bind(3, reflection);
    upd.run();
    if (!db->changes()) return;  // revealed concurrently
    // Each line of a submitted answer to an action prompt becomes an action item.
    auto rows = db->prepare(
        "SELECT user_id, prompts, answers FROM reflection_answers WHERE reflection_id = ? AND submitted_at IS NOT NULL");
    rows.bind(1, reflection);
    auto add = db->prepare(
        "INSERT INTO action_items(partnership_id, from_unit, reflection_id, author, text, created_at) VALUES (?,?,?,?,?,?)");
    while (rows.step()) {
      auto prompts = json::parse(rows.text(1));
      auto answers = json::parse(rows.text(2));
      for (const auto& p : prompts) {
        if (!p.value("action", false) || !answers.contains(p["id"].get<std::string>())) continue;
        std::string text = answers[p["id"].get<std::string>()]["text"];
        std::size_t start = 0;
        while (start <= text.size()) {
          auto nl = text.find('\n', start);
          auto line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
          auto a = line.find_first_not_of(" \t\r-*•·");
          if (a != std::string::npos) {
            auto b = line.find_last_not_of(" \t\r");
            add.bind(1, unit.partnership_id).bind(2, unit.id).bind(3, reflection).bind(4, rows.int64(0))
                .bind(5, line.substr(a, b - a + 1)).bind(6, now);
            add.run();
          }
          if (nl == std::string::npos) break;
          start = nl + 1;
        }
      }
    }
  });
}

json reflection_service::agree(const store::unit_record& unit, std::int64_t reflection, std::uint32_t viewer,
                               const std::string& facet) {
  auto current = view(unit, reflection, viewer);
  if (current["state"] != "revealed") throw coded_error("not_revealed", "agree once every member has submitted");
  bool ok = false;
  for (const auto& f : registry_.templates().reflection()["facets"]["list"]) ok |= f["id"] == facet;
  if (!ok) throw coded_error("bad_value", "unknown facet");
  auto db = db_.borrow();
  store::in_transaction(*db, [&] {
    auto st = db->prepare("UPDATE reflection_answers SET agree_facet = ? WHERE reflection_id = ? AND user_id = ?");
    st.bind(1, facet).bind(2, reflection).bind(3, static_cast<std::int64_t>(viewer));
    st.run();
    auto all = db->prepare("SELECT count(*), count(DISTINCT agree_facet), min(agree_facet) FROM reflection_answers "
                           "WHERE reflection_id = ? AND agree_facet IS NOT NULL");
    all.bind(1, reflection);
    all.step();
    if (static_cast<std::size_t>(all.int64(0)) >= members_of(unit).size() && all.int64(1) == 1) {
      auto set = db->prepare("UPDATE reflections SET agreed_facet = ?, agreed_at = ? WHERE id = ?");
      set.bind(1, all.text(2)).bind(2, now_ms()).bind(3, reflection);
      set.run();
    }
  });
  return view(unit, reflection, viewer);
}

json reflection_service::action_items(const store::unit_record& unit) {
  auto db = db_.borrow();
  auto st = db->prepare(
      std::string("SELECT a.id, a.text, a.author, a.created_at, f.public_id, f.title, coalesce(d.public_id, ''), coalesce(a.done_at, 0) "
                  "FROM action_items a JOIN units f ON f.id = a.from_unit JOIN units cur ON cur.id = ? "
                  "LEFT JOIN units d ON d.id = a.done_in_unit WHERE ") +
      item_reaches_cur + " ORDER BY a.created_at DESC, a.id");
  st.bind(1, unit.id);
  auto items = json::array();
  while (st.step())
    items.push_back({{"id", st.int64(0)}, {"text", st.text(1)}, {"author", st.int64(2)}, {"createdAt", st.int64(3)},
                     {"fromUnit", st.text(4)}, {"fromTitle", st.text(5)}, {"done", !st.text(6).empty()}, {"doneAt", st.int64(7)}});
  return {{"items", std::move(items)}};
}

void reflection_service::set_action_done(const store::unit_record& unit, std::int64_t item, bool done) {
  auto db = db_.borrow();
  auto st = db->prepare(std::string("UPDATE action_items SET done_in_unit = ?, done_at = ? WHERE id = ? AND id IN ("
                                    "SELECT a.id FROM action_items a JOIN units f ON f.id = a.from_unit JOIN units cur ON cur.id = ? WHERE ") +
                        item_reaches_cur + ")");
  if (done) st.bind(1, unit.id).bind(2, now_ms());
  else st.bind_null(1).bind_null(2);
  st.bind(3, item).bind(4, unit.id);
  st.run();
  if (!db->changes()) throw coded_error("unknown_item", "no such action item for this unit");
}

}  // namespace coplan::review
