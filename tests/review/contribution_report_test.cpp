// Exactness of the contribution view, the history and restore: two partners edit a unit through a
// real server following a script (inserts, deletes and replaces across each other's text, lesson
// moves, removals and restores, leads and approaches, expertise tags). The test keeps its own model
// of the unit, built from the script alone (who wrote each character and whether the partner later
// revised it, the lesson list, the tags, who did what), and checks every figure of /contributions,
// now and as of every past op, every past version of /history/<op>, the blame, and restores against it.
#include <gtest/gtest.h>

#include "support/test_server.hpp"
#include "text/change_set.hpp"
#include "text/utf16.hpp"

using namespace coplan;
using namespace coplan::test_support;
using nlohmann::json;

namespace {

// ---- The model: the unit as the script made it, computed from the documented definitions ------

struct model_char {
  std::uint32_t owner = 0;       // who typed it
  std::uint32_t revised_by = 0;  // the partner who later changed that writer's text around it, or 0
  bool operator==(const model_char&) const = default;
};

struct model_field {
  std::u16string text;
  std::vector<model_char> chars;
};

struct model_counts {
  std::uint64_t typed = 0, deleted_own = 0, deleted_partner = 0, edits = 0, revisions = 0;
};

struct model_lesson {
  std::string id;
  bool removed = false;
  std::map<std::string, json> values;
};

struct model_tag {
  std::string id, area;
  std::uint32_t by = 0;
  std::vector<std::uint32_t> acknowledged_by;
};

// Everything the script has done after some number of ops.
struct model_state {
  std::uint64_t ops = 0;
  std::uint32_t last_author = 0;
  std::map<std::string, model_field> fields;                              // every field written so far
  std::map<std::string, std::map<std::uint32_t, model_counts>> counts;    // by section, by user
  std::vector<model_lesson> lessons;                                      // in order, removed ones kept
  std::vector<model_tag> tags;
  std::map<std::uint32_t, std::uint64_t> commands;
};

// The sections of the "ubd" template, in order, and where each field the script writes lives.
const std::vector<std::string> section_order{"about", "stage1", "stage2", "stage3", "coteach", "evidence"};

std::string section_of(const std::string& stream) {
  static const std::map<std::string, std::string> unit_fields{
      {"goals", "stage1"},           {"understandings", "stage1"}, {"essential_questions", "stage1"},
      {"performance_task", "stage2"}, {"criteria", "stage2"},       {"what_worked", "evidence"}};
  auto dot = stream.find('.');
  auto block = stream.substr(0, dot), field = stream.substr(dot + 1);
  if (block == "unit") return unit_fields.at(field);
  return field == "title" || field == "objectives" ? "stage3" : "coteach";  // lessons: plan / teach fields
}

const model_lesson* lesson_of(const model_state& m, const std::string& stream) {
  auto block = stream.substr(0, stream.find('.'));
  for (const auto& l : m.lessons)
    if (l.id == block) return &l;
  return nullptr;
}

// A text field is in the unit unless its lesson is removed.
bool in_unit(const model_state& m, const std::string& stream) {
  const auto* l = lesson_of(m, stream);
  return !l || !l->removed;
}

// `user` replaces [from, to) of `stream` by `insert`. Counts: what they typed, deleted of their own
// and of someone else's text; an edit revises the partner when it deletes their text or lands
// strictly inside it. Shared work: when an edit cuts into or lands inside the partner's text, the
// partner's stretches touching the edit on either side become "revised by" the editor (a stretch:
// adjacent characters of one writer with the same revised mark, typed within the hour).
void model_edit(model_state& m, std::uint32_t user, const std::string& stream, std::size_t from, std::size_t to,
                const std::u16string& insert) {
  auto& f = m.fields[stream];
  auto& c = m.counts[section_of(stream)][user];
  ++c.edits;
  c.typed += insert.size();
  std::set<std::uint32_t> cut;
  for (std::size_t i = from; i < to; ++i) {
    if (f.chars[i].owner == user) ++c.deleted_own;
    else ++c.deleted_partner, cut.insert(f.chars[i].owner);
  }
  bool revised = !cut.empty();
  if (from == to && from > 0 && from < f.chars.size() && f.chars[from - 1].owner == f.chars[from].owner &&
      f.chars[from].owner != user && f.chars[from].owner != 0) {
    revised = true;
    cut.insert(f.chars[from].owner);
  }
  if (revised) ++c.revisions;
  auto mark = [&](std::size_t at, int step) {  // the stretch from `at` going `step`
    auto key = f.chars[at];
    if (!key.owner || !cut.count(key.owner)) return;
    for (auto i = static_cast<std::ptrdiff_t>(at); i >= 0 && i < static_cast<std::ptrdiff_t>(f.chars.size()) && f.chars[i] == key; i += step)
      f.chars[i].revised_by = user;
  };
  if (!cut.empty()) {
    if (from > 0) mark(from - 1, -1);
    if (to < f.chars.size()) mark(to, +1);
  }
  f.text.replace(from, to - from, insert);
  f.chars.erase(f.chars.begin() + static_cast<std::ptrdiff_t>(from), f.chars.begin() + static_cast<std::ptrdiff_t>(to));
  f.chars.insert(f.chars.begin() + static_cast<std::ptrdiff_t>(from), insert.size(), model_char{user, 0});
  ++m.ops;
  m.last_author = user;
}

std::size_t lesson_index(const model_state& m, const std::string& id) {
  for (std::size_t i = 0; i < m.lessons.size(); ++i)
    if (m.lessons[i].id == id) return i;
  throw std::runtime_error("the script names no lesson " + id);
}

// A structure command, as docs/protocol.md describes it.
void model_command(model_state& m, std::uint32_t user, const json& cmd) {
  const auto op = cmd["op"].get<std::string>();
  auto after_of = [&](const char* key) {  // where a block goes: after `key`'s block, or first
    return cmd.contains(key) && cmd[key].is_string() ? lesson_index(m, cmd[key].get<std::string>()) + 1 : 0;
  };
  if (op == "add_block") {
    m.lessons.insert(m.lessons.begin() + static_cast<std::ptrdiff_t>(after_of("after")),
                     model_lesson{cmd["id"].get<std::string>(), false, {}});
  } else if (op == "move_block") {
    auto from = lesson_index(m, cmd["id"].get<std::string>());
    auto moving = m.lessons[from];
    m.lessons.erase(m.lessons.begin() + static_cast<std::ptrdiff_t>(from));
    m.lessons.insert(m.lessons.begin() + static_cast<std::ptrdiff_t>(after_of("after")), moving);
  } else if (op == "remove_block" || op == "restore_block") {
    m.lessons[lesson_index(m, cmd["id"].get<std::string>())].removed = op == "remove_block";
  } else if (op == "set") {
    auto& values = m.lessons[lesson_index(m, cmd["block"].get<std::string>())].values;
    auto field = cmd["field"].get<std::string>();
    if (cmd["value"].is_null()) values.erase(field);
    else values[field] = cmd["value"];
  } else if (op == "add_tag") {
    m.tags.push_back({cmd["id"].get<std::string>(), cmd["area"].get<std::string>(),
                      cmd.contains("by") ? cmd["by"].get<std::uint32_t>() : user, {}});
  } else if (op == "acknowledge_tag") {
    for (auto& t : m.tags)
      if (t.id == cmd["id"].get<std::string>()) {
        std::erase(t.acknowledged_by, user);
        if (cmd.value("acknowledged", true)) t.acknowledged_by.push_back(user);
      }
  } else {
    throw std::runtime_error("the model does not know " + op);
  }
  ++m.commands[user];
  ++m.ops;
  m.last_author = user;
}

json figures_json(const model_counts& c, std::uint64_t survives, std::uint64_t shared) {
  return {{"typed", c.typed},   {"survives", survives},           {"deletedOwn", c.deleted_own}, {"deletedPartner", c.deleted_partner},
          {"edits", c.edits}, {"revisionsOfPartner", c.revisions}, {"sharedSurvives", shared}};
}

// Every figure /contributions should report for the unit in state `m`, from the model alone.
json expected_report(const model_state& m, const std::vector<std::uint32_t>& members) {
  std::map<std::string, std::map<std::uint32_t, std::uint64_t>> survives, shared;
  for (const auto& [stream, f] : m.fields) {
    if (!in_unit(m, stream)) continue;
    for (const auto& ch : f.chars) {
      ++survives[section_of(stream)][ch.owner];
      if (ch.revised_by) ++shared[section_of(stream)][ch.owner];
    }
  }
  json sections = json::array(), totals = json::object();
  std::map<std::uint32_t, model_counts> sum;
  std::map<std::uint32_t, std::uint64_t> sum_survives, sum_shared;
  for (const auto& sec : section_order) {
    json by = json::object();
    for (auto u : members) {
      model_counts c;
      if (m.counts.count(sec) && m.counts.at(sec).count(u)) c = m.counts.at(sec).at(u);
      auto sv = survives[sec][u], sh = shared[sec][u];
      by[std::to_string(u)] = figures_json(c, sv, sh);
      auto& t = sum[u];
      t.typed += c.typed, t.deleted_own += c.deleted_own, t.deleted_partner += c.deleted_partner, t.edits += c.edits,
          t.revisions += c.revisions;
      sum_survives[u] += sv, sum_shared[u] += sh;
    }
    sections.push_back({{"section", sec}, {"byUser", by}});
  }
  json commands = json::object();
  for (auto u : members) {
    totals[std::to_string(u)] = figures_json(sum[u], sum_survives[u], sum_shared[u]);
    commands[std::to_string(u)] = m.commands.count(u) ? m.commands.at(u) : 0;
  }
  // Lessons still in the unit: a segment is planned when it has an approach or a lead; teaming
  // is co-led by everyone; otherwise the lead leads it and the others support it.
  json by = json::object();
  for (auto u : members)
    by[std::to_string(u)] = {{"segmentsLed", 0}, {"segmentsCoLed", 0}, {"segmentsSupported", 0},
                             {"lessonsLed", json::array()}, {"lessonsSupported", json::array()}};
  json approaches = json::object();
  int count = 0, planned = 0;
  for (const auto& l : m.lessons) {
    if (l.removed) continue;
    ++count;
    std::set<std::uint32_t> led, supported;
    for (std::string seg : {"begin", "middle", "end"}) {
      auto a = l.values.find(seg + "_approach"), lead = l.values.find(seg + "_lead");
      if (a != l.values.end()) approaches[a->second.get<std::string>()] = approaches.value(a->second.get<std::string>(), 0) + 1;
      if (a == l.values.end() && lead == l.values.end()) continue;
      ++planned;
      for (auto u : members) {
        auto& b = by[std::to_string(u)];
        auto bump = [&](const char* k) { b[k] = b[k].get<int>() + 1; };
        if (a != l.values.end() && a->second == "teaming") bump("segmentsCoLed"), led.insert(u);
        else if (lead != l.values.end() && lead->second == u) bump("segmentsLed"), led.insert(u);
        else if (lead != l.values.end()) bump("segmentsSupported"), supported.insert(u);
      }
    }
    for (auto u : members) {
      if (led.count(u)) by[std::to_string(u)]["lessonsLed"].push_back(l.id);
      else if (supported.count(u)) by[std::to_string(u)]["lessonsSupported"].push_back(l.id);
    }
  }
  json expertise = json::object();
  for (auto u : members) expertise[std::to_string(u)] = {{"brought", json::object()}, {"learned", json::object()}};
  for (const auto& t : m.tags) {
    auto& b = expertise[std::to_string(t.by)]["brought"];
    b[t.area] = b.value(t.area, 0) + 1;
    for (auto a : t.acknowledged_by) {
      auto& l = expertise[std::to_string(a)]["learned"];
      l[t.area] = l.value(t.area, 0) + 1;
    }
  }
  return {{"ops", m.ops},
          {"sections", sections},
          {"totals", totals},
          {"commands", commands},
          {"lessons", {{"count", count}, {"segmentsPlanned", planned}, {"approaches", approaches}, {"byUser", by}}},
          {"expertise", expertise}};
}

// ---- The script, played through a real server and into the model ---------------------------

class scripted_unit {
public:
  explicit scripted_unit(test_server& ts) : ts_(ts) {
    clients_[ts.lib()] = ts.join("lib", "script-lib");
    clients_[ts.tea()] = ts.join("tea", "script-tea");
    cookies_[ts.lib()] = sign_in(ts.port(), "lib");
    cookies_[ts.tea()] = sign_in(ts.port(), "tea");
    past_.push_back(now_);
  }

  void edit(std::int64_t user, const std::string& stream, std::size_t from, std::size_t to, const std::u16string& insert) {
    auto change = text::change_set::replace(static_cast<std::int64_t>(now_.fields[stream].text.size()),
                                            static_cast<std::int64_t>(from), static_cast<std::int64_t>(to), insert);
    model_edit(now_, static_cast<std::uint32_t>(user), stream, from, to, insert);
    auto& cl = *clients_.at(user);
    cl.send(json{{"type", "push"}, {"stream", stream}, {"version", versions_[stream]},
                 {"updates", json::array({{{"clientID", cl_id(user)}, {"seq", ++seq_}, {"changes", change.to_json()}}})}});
    auto r = cl.expect("pushed");
    EXPECT_TRUE(r["ok"].get<bool>()) << r.dump();
    versions_[stream]++;
    past_.push_back(now_);
  }

  void command(std::int64_t user, const json& cmd) {
    model_command(now_, static_cast<std::uint32_t>(user), cmd);
    auto& cl = *clients_.at(user);
    cl.send(json{{"type", "cmd"}, {"clientID", cl_id(user)}, {"seq", ++seq_}, {"cmd", cmd}});
    for (;;) {
      auto m = cl.expect("cmd");
      if (m["clientID"] == cl_id(user) && m["seq"] == seq_) break;
    }
    past_.push_back(now_);
  }

  // Brings a removed lesson back through the history (a new command by `user`).
  void restore_block(std::int64_t user, std::uint64_t op, const std::string& block) {
    auto r = call(user, http::verb::post, "/restore", json{{"op", op}, {"block", block}}.dump());
    ASSERT_EQ(r.status, 200u) << r.body.dump();
    model_command(now_, static_cast<std::uint32_t>(user), {{"op", "restore_block"}, {"id", block}});
    past_.push_back(now_);
  }

  // Restores a field's text as it was after `op` ops: the server replaces only what differs (the
  // stretch between the common beginning and the common end), as a new edit by `user`.
  void restore_text(std::int64_t user, std::uint64_t op, const std::string& stream) {
    auto r = call(user, http::verb::post, "/restore", json{{"op", op}, {"stream", stream}}.dump());
    ASSERT_EQ(r.status, 200u) << r.body.dump();
    const auto& from = now_.fields[stream].text;
    const auto& to = past_.at(op).fields.at(stream).text;
    std::size_t a = 0, b = 0;
    while (a < from.size() && a < to.size() && from[a] == to[a]) ++a;
    while (b < from.size() - a && b < to.size() - a && from[from.size() - 1 - b] == to[to.size() - 1 - b]) ++b;
    model_edit(now_, static_cast<std::uint32_t>(user), stream, a, from.size() - b, to.substr(a, to.size() - a - b));
    versions_[stream]++;
    past_.push_back(now_);
  }

  client::http_reply call(std::int64_t user, http::verb verb, const std::string& path, const std::string& body = "") {
    return http_call(ts_.port(), verb, "/api/units/" + ts_.unit() + path, body, cookies_.at(user));
  }
  json contributions(std::int64_t user, const std::string& query = "") {
    auto r = call(user, http::verb::get, "/contributions" + query);
    EXPECT_EQ(r.status, 200u) << r.body.dump();
    return r.body;
  }

  const model_state& now() const { return now_; }
  // The model after each op (index = number of ops applied).
  const std::vector<model_state>& past() const { return past_; }
  std::vector<std::uint32_t> members() const {
    return {static_cast<std::uint32_t>(ts_.lib()), static_cast<std::uint32_t>(ts_.tea())};
  }

private:
  std::string cl_id(std::int64_t user) const { return user == ts_.lib() ? "script-lib" : "script-tea"; }

  test_server& ts_;
  std::map<std::int64_t, std::unique_ptr<ws_client>> clients_;
  std::map<std::int64_t, std::string> cookies_;
  std::map<std::string, std::uint64_t> versions_;
  model_state now_;
  std::vector<model_state> past_;
  std::uint64_t seq_ = 0;
};

// Every figure of a /contributions answer against the model's.
void expect_report(const json& got, const model_state& m, const std::vector<std::uint32_t>& members) {
  auto want = expected_report(m, members);
  EXPECT_EQ(got["ops"], want["ops"]);
  ASSERT_EQ(got["sections"].size(), section_order.size()) << got["sections"].dump();
  for (std::size_t i = 0; i < section_order.size(); ++i) {
    EXPECT_EQ(got["sections"][i]["section"], want["sections"][i]["section"]);
    EXPECT_EQ(got["sections"][i]["byUser"], want["sections"][i]["byUser"]) << "section " << section_order[i];
  }
  EXPECT_EQ(got["totals"], want["totals"]);
  EXPECT_EQ(got["commands"], want["commands"]);
  EXPECT_EQ(got["lessons"], want["lessons"]);
  EXPECT_EQ(got["expertise"]["byUser"], want["expertise"]);
}

// A past version of /history/<op> against the model: every text with its writers, and the lesson
// list (order, removed ones, values).
void expect_version(const json& got, const model_state& m) {
  for (const auto& [stream, f] : m.fields) {
    ASSERT_TRUE(got["streams"].contains(stream)) << stream;
    EXPECT_EQ(got["streams"][stream]["text"], text::utf16_to_utf8(f.text)) << stream;
    std::vector<std::uint32_t> owners;
    for (const auto& run : got["streams"][stream]["authors"]) owners.insert(owners.end(), run[0].get<std::size_t>(), run[1].get<std::uint32_t>());
    std::vector<std::uint32_t> want;
    for (const auto& ch : f.chars) want.push_back(ch.owner);
    EXPECT_EQ(owners, want) << stream;
  }
  for (const auto& [stream, s] : got["streams"].items())
    if (!m.fields.count(stream)) {
      EXPECT_EQ(s["text"], "") << stream << " was never written";
    }
  json lessons = json::array();
  for (const auto& l : m.lessons) lessons.push_back({{"id", l.id}, {"removed", l.removed}, {"values", l.values}});
  EXPECT_EQ(got["structure"]["lists"]["lessons"], lessons);
  if (m.ops > 0) {
    EXPECT_EQ(got["at"]["author"], m.last_author);
  }
}

// The lesson's text, per writer: what its removal takes out of "survives".
std::map<std::uint32_t, std::uint64_t> text_of_lesson(const model_state& m, const std::string& lesson) {
  std::map<std::uint32_t, std::uint64_t> out;
  for (const auto& [stream, f] : m.fields)
    if (stream.rfind(lesson + ".", 0) == 0)
      for (const auto& ch : f.chars) ++out[ch.owner];
  return out;
}

}  // namespace

TEST(Contributions, EveryFigureMatchesTheScriptNowAndAtEveryPastOp) {
  test_server ts;
  scripted_unit s(ts);
  auto L = ts.lib(), T = ts.tea();
  auto members = s.members();
  // Stage 1: the teacher writes, the librarian revises inside and across the teacher's text.
  s.edit(T, "unit.goals", 0, 0, u"Students study the creek.");
  s.edit(L, "unit.goals", 18, 18, u" local");  // inside the teacher's text
  s.edit(L, "unit.goals", 0, 8, u"Learners");  // replaces the teacher's first word
  s.edit(T, "unit.goals", 31, 31, u" and its sources");
  s.edit(T, "unit.goals", 8, 8, u",");  // at the edge of the librarian's word: not inside it
  s.edit(L, "unit.goals", 5, 20, u"");  // deletes across her own and the teacher's text
  s.edit(T, "unit.understandings", 0, 0, u"Water connects places.");
  s.edit(L, "unit.understandings", 22, 22, u" Data needs sources.");
  s.edit(L, "unit.understandings", 22, 42, u"");  // the librarian deletes her own sentence
  s.edit(T, "unit.understandings", 6, 15, u"links");  // the teacher replaces her own word
  s.edit(L, "unit.understandings", 0, 0, u"Why? ");   // before the teacher's text: not inside it
  // Stage 2 by the librarian, then a deletion across both partners' text, and the teacher's
  // text then revised by the librarian at the far end.
  s.edit(L, "unit.performance_task", 0, 0, u"Teams test water.");
  s.edit(T, "unit.performance_task", 17, 17, u" Then they present.");
  s.edit(T, "unit.performance_task", 11, 23, u"");  // cuts "water. Then " across both
  s.edit(L, "unit.performance_task", 19, 23, u"report");  // replaces the teacher's "sent."
  // Lessons: added, written by both, moved, one removed; leads and approaches.
  s.command(L, {{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonA"}});
  s.command(T, {{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonB"}, {"after", "lessonA"}});
  s.command(T, {{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonC"}, {"after", "lessonB"}});
  s.edit(L, "lessonA.title", 0, 0, u"Sampling");
  s.edit(T, "lessonB.title", 0, 0, u"Sources");
  s.edit(T, "lessonB.begin_teacher", 0, 0, u"Models a search");
  s.edit(L, "lessonB.begin_teacher", 8, 8, u"database ");
  s.edit(L, "lessonC.title", 0, 0, u"Presenting");
  s.edit(T, "lessonC.title", 10, 10, u" findings");
  s.edit(T, "lessonC.middle_librarian", 0, 0, u"Coaches slides");
  s.edit(L, "lessonC.middle_librarian", 8, 14, u"citations");  // the librarian replaces the teacher's word
  s.command(L, {{"op", "move_block"}, {"id", "lessonB"}, {"after", nullptr}});
  s.command(T, {{"op", "set"}, {"block", "lessonC"}, {"field", "end_approach"}, {"value", "parallel"}});
  s.command(T, {{"op", "set"}, {"block", "lessonC"}, {"field", "end_lead"}, {"value", T}});
  const auto before_removal = s.past().size() - 1;
  s.command(T, {{"op", "remove_block"}, {"id", "lessonC"}});
  s.command(L, {{"op", "move_block"}, {"id", "lessonA"}, {"after", "lessonC"}});  // after a removed lesson
  s.command(L, {{"op", "set"}, {"block", "lessonA"}, {"field", "begin_approach"}, {"value", "station"}});
  s.command(L, {{"op", "set"}, {"block", "lessonA"}, {"field", "begin_lead"}, {"value", L}});
  s.command(T, {{"op", "set"}, {"block", "lessonA"}, {"field", "middle_approach"}, {"value", "one_teach_one_assist"}});
  s.command(T, {{"op", "set"}, {"block", "lessonA"}, {"field", "middle_lead"}, {"value", T}});
  s.command(L, {{"op", "set"}, {"block", "lessonA"}, {"field", "end_lead"}, {"value", L}});
  s.command(L, {{"op", "set"}, {"block", "lessonA"}, {"field", "end_lead"}, {"value", nullptr}});  // cleared again
  s.command(T, {{"op", "set"}, {"block", "lessonB"}, {"field", "begin_approach"}, {"value", "teaming"}});
  // Expertise: the librarian's inquiry expertise, acknowledged by the teacher; the teacher's
  // content knowledge, not acknowledged; a passage of the librarian's.
  s.command(T, {{"op", "add_tag"}, {"id", "tag0001"}, {"target", "stage1"}, {"area", "inquiry"}, {"by", L}});
  s.command(T, {{"op", "acknowledge_tag"}, {"id", "tag0001"}});
  s.command(T, {{"op", "add_tag"}, {"id", "tag0002"}, {"target", "lessonA"}, {"area", "content"}});
  s.command(L, {{"op", "add_tag"}, {"id", "tag0003"}, {"target", "unit.goals"}, {"from", 0}, {"to", 5}, {"area", "curation"}});

  // Now: every figure.
  auto rep = s.contributions(L);
  expect_report(rep, s.now(), members);
  EXPECT_EQ(rep["latest"], s.now().ops);
  EXPECT_EQ(rep["at"]["author"], L);
  // Hand-checked anchors of the same figures, so a mistake shared by the model and the server shows.
  auto sec = [&](const std::string& id) {
    for (const auto& x : rep["sections"])
      if (x["section"] == id) return x["byUser"];
    return json();
  };
  EXPECT_EQ(sec("stage1")[std::to_string(L)]["revisionsOfPartner"], 3);  // inside, across the first word, across both
  EXPECT_EQ(sec("stage1")[std::to_string(T)]["revisionsOfPartner"], 0);
  EXPECT_EQ(sec("stage2")[std::to_string(T)]["deletedPartner"], 6);      // "water."
  EXPECT_EQ(sec("stage2")[std::to_string(T)]["deletedOwn"], 6);          // " Then "
  EXPECT_EQ(sec("stage2")[std::to_string(L)]["deletedPartner"], 4);      // "sent"
  EXPECT_EQ(rep["lessons"]["count"], 2);  // C was removed and does not count
  EXPECT_EQ(rep["commands"][std::to_string(T)], 11);
  EXPECT_EQ(rep["lessons"]["byUser"][std::to_string(L)]["lessonsLed"], json({"lessonB", "lessonA"}));  // in lesson order

  // As of every past op: the figures, and the unit (texts, writers, the lesson list in order).
  auto timeline = s.call(L, http::verb::get, "/history").body;
  ASSERT_EQ(timeline["ops"], s.past().size() - 1);
  // The quarter hours the browser groups into its own days cover every op once, in order.
  std::size_t next = 1;
  for (const auto& slot : timeline["slots"]) {
    EXPECT_EQ(slot[0].get<std::int64_t>() % (15 * 60 * 1000), 0);
    EXPECT_EQ(slot[1], next);
    EXPECT_GE(slot[2], slot[1]);
    next = slot[2].get<std::size_t>() + 1;
  }
  EXPECT_EQ(next, s.past().size());
  for (std::size_t k = 0; k < s.past().size(); ++k) {
    SCOPED_TRACE("op " + std::to_string(k));
    auto past = s.contributions(L, "?op=" + std::to_string(k));
    expect_report(past, s.past()[k], members);
    EXPECT_EQ(past["latest"], s.now().ops);
    if (k == 0) EXPECT_FALSE(past.contains("at"));
    else EXPECT_EQ(past["at"]["author"], s.past()[k].last_author);
    expect_version(s.call(L, http::verb::get, "/history/" + std::to_string(k)).body, s.past()[k]);
  }
  // Backwards too (the server replays again from the start), and the teacher sees the same.
  for (auto k : {before_removal + 1, before_removal, std::size_t{3}})
    expect_report(s.contributions(T, "?op=" + std::to_string(k)), s.past()[k], members);
  EXPECT_EQ(s.call(L, http::verb::get, "/contributions?op=" + std::to_string(s.past().size())).status, 400u);
  EXPECT_EQ(s.call(L, http::verb::get, "/contributions?op=9999").body["error"]["code"], "bad_version");
  EXPECT_EQ(s.call(L, http::verb::get, "/contributions?op=two").body["error"]["code"], "bad_request");
  EXPECT_EQ(s.call(L, http::verb::get, "/history/9999").status, 400u);

  // Blame: every character's writer and shared-work mark, as the model has them.
  auto blame = s.call(L, http::verb::get, "/blame").body;
  for (const auto& [stream, f] : s.now().fields) {
    if (f.text.empty()) continue;
    std::vector<model_char> got;
    for (const auto& span : blame["streams"][stream]["spans"])
      got.insert(got.end(), span[0].get<std::size_t>(), model_char{span[1].get<std::uint32_t>(), span[3].get<std::uint32_t>()});
    EXPECT_EQ(got, f.chars) << stream << ": " << blame["streams"][stream].dump();
  }

  // Bring the removed lesson back from a moment it was there: it is back, in its place, with its
  // segment and its text, and the figures count it again.
  s.restore_block(T, before_removal, "lessonC");
  auto now = s.call(L, http::verb::get, "/history/" + std::to_string(s.now().ops)).body;
  expect_version(now, s.now());
  const auto& lessons = now["structure"]["lists"]["lessons"];
  ASSERT_EQ(lessons.size(), 3u);
  EXPECT_EQ(lessons[1]["id"], "lessonC");
  EXPECT_EQ(lessons[1]["removed"], false);
  EXPECT_EQ(now["streams"]["lessonC.title"]["text"], "Presenting findings");
  auto restored = s.contributions(L);
  expect_report(restored, s.now(), members);
  EXPECT_EQ(restored["lessons"]["count"], 3);
  EXPECT_EQ(restored["lessons"]["byUser"][std::to_string(T)]["lessonsLed"], json({"lessonB", "lessonC", "lessonA"}));
  EXPECT_EQ(restored["lessons"]["byUser"][std::to_string(L)]["lessonsSupported"], json({"lessonC"}));
  for (auto user : {L, T}) {
    auto u = std::to_string(user);
    EXPECT_EQ(restored["totals"][u]["survives"].get<std::uint64_t>(),
              rep["totals"][u]["survives"].get<std::uint64_t>() + text_of_lesson(s.now(), "lessonC").at(static_cast<std::uint32_t>(user)));
  }

  // Restore the goals as they were after the first op: a new edit, history kept.
  s.restore_text(L, 1, "unit.goals");
  json w;
  auto probe = ts.join("tea", "probe", &w);
  EXPECT_EQ(w["streams"]["unit.goals"]["text"], "Students study the creek.");
  EXPECT_EQ(s.call(L, http::verb::get, "/history").body["ops"], s.past().size() - 1);  // nothing rewritten
  // The figures after it, and as of the moment between the two restores (the server moves its
  // up-to-date replay forward for that one).
  expect_report(s.contributions(T, "?op=" + std::to_string(s.now().ops - 1)), s.past()[s.now().ops - 1], members);
  expect_report(s.contributions(T), s.now(), members);
  expect_version(s.call(L, http::verb::get, "/history/" + std::to_string(s.now().ops)).body, s.now());
}

// Regression: text in a removed (tombstoned) lesson was counted as surviving, because the report
// walked every text stream, and the streams of removed blocks are kept for restoring them.
TEST(Contributions, RegressionRemovedLessonTextNoLongerSurvives) {
  test_server ts;
  scripted_unit s(ts);
  auto L = ts.lib(), T = ts.tea();
  auto members = s.members();
  s.command(L, {{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonX"}});
  s.command(T, {{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonY"}, {"after", "lessonX"}});
  s.edit(L, "lessonX.title", 0, 0, u"Field trip");
  s.edit(T, "lessonX.title", 10, 10, u" to the creek");
  s.edit(T, "lessonX.begin_teacher", 0, 0, u"Hands out kits");
  s.edit(L, "lessonX.begin_teacher", 0, 5, u"Gives");  // the librarian revises the teacher's text
  s.edit(T, "lessonY.title", 0, 0, u"Results");
  s.edit(L, "unit.goals", 0, 0, u"Test the creek.");

  auto before = s.contributions(T);
  expect_report(before, s.now(), members);
  auto lesson_text = text_of_lesson(s.now(), "lessonX");
  ASSERT_GT(lesson_text[static_cast<std::uint32_t>(L)], 0u);
  ASSERT_GT(lesson_text[static_cast<std::uint32_t>(T)], 0u);
  const auto there = s.now().ops;

  s.command(T, {{"op", "remove_block"}, {"id", "lessonX"}});
  auto removed = s.contributions(T);
  expect_report(removed, s.now(), members);
  for (auto user : {L, T}) {
    auto u = std::to_string(user);
    SCOPED_TRACE("user " + u);
    // Its text drops out of what survives (and of shared work); what was typed stays typed.
    EXPECT_EQ(removed["totals"][u]["survives"].get<std::uint64_t>(),
              before["totals"][u]["survives"].get<std::uint64_t>() - lesson_text[static_cast<std::uint32_t>(user)]);
    EXPECT_EQ(removed["totals"][u]["typed"], before["totals"][u]["typed"]);
  }
  EXPECT_EQ(removed["totals"][std::to_string(L)]["survives"], 15);  // "Test the creek." only
  EXPECT_EQ(removed["totals"][std::to_string(T)]["survives"], 7);   // "Results" only
  EXPECT_EQ(removed["totals"][std::to_string(T)]["sharedSurvives"], 0);
  // As of the moment before the removal, it still counted.
  expect_report(s.contributions(L, "?op=" + std::to_string(there)), s.past()[there], members);

  // Restored, it is back in the list, and so is its text.
  s.restore_block(L, there, "lessonX");
  auto now = s.call(L, http::verb::get, "/history/" + std::to_string(s.now().ops)).body;
  expect_version(now, s.now());
  ASSERT_EQ(now["structure"]["lists"]["lessons"].size(), 2u);
  EXPECT_EQ(now["structure"]["lists"]["lessons"][0]["id"], "lessonX");
  EXPECT_EQ(now["structure"]["lists"]["lessons"][0]["removed"], false);
  auto back = s.contributions(T);
  expect_report(back, s.now(), members);
  for (auto user : {L, T}) {
    auto u = std::to_string(user);
    EXPECT_EQ(back["totals"][u]["survives"], before["totals"][u]["survives"]);
    EXPECT_EQ(back["totals"][u]["sharedSurvives"], before["totals"][u]["sharedSurvives"]);
  }
  EXPECT_EQ(back["lessons"]["count"], 2);
}
