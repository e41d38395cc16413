// Exactness of the contribution view, the history and restore: two partners edit a unit through a
// real server following a script (inserts, deletes and replaces across each other's text, lesson
// moves and removals, leads and approaches, expertise tags); the test keeps its own model of who
// wrote each character and checks every figure of /contributions, every past version of
// /history/<op>, and a restore, against that model.
#include <gtest/gtest.h>

#include <random>

#include "support/test_server.hpp"
#include "text/change_set.hpp"
#include "text/utf16.hpp"

using namespace coplan;
using namespace coplan::test_support;
using nlohmann::json;

namespace {

// The test's own record of a text field: one owner per UTF-16 unit.
struct model_field {
  std::u16string text;
  std::vector<std::uint32_t> owner;
};

struct model_counts {
  std::uint64_t typed = 0, deleted_own = 0, deleted_partner = 0, edits = 0, revisions = 0;
};

class scripted_unit {
public:
  explicit scripted_unit(test_server& ts) : ts_(ts) {
    clients_[ts.lib()] = ts.join("lib", "script-lib");
    clients_[ts.tea()] = ts.join("tea", "script-tea");
  }

  // Replaces [from, to) of `stream` by `insert`, as `user`; updates the model like a careful
  // reader of the definitions would, independently of the server's code.
  void edit(std::int64_t user, const std::string& stream, std::size_t from, std::size_t to, const std::u16string& insert) {
    auto& f = fields_[stream];
    auto u = static_cast<std::uint32_t>(user);
    auto& c = counts_[section_of(stream)][u];
    c.edits++;
    c.typed += insert.size();
    bool revised = false;
    for (std::size_t i = from; i < to; ++i) {
      if (f.owner[i] == u) c.deleted_own++;
      else c.deleted_partner++, revised = true;
    }
    if (from == to && from > 0 && from < f.text.size() && f.owner[from - 1] == f.owner[from] && f.owner[from] != u) revised = true;
    if (revised) c.revisions++;
    auto change = text::change_set::replace(static_cast<std::int64_t>(f.text.size()), static_cast<std::int64_t>(from),
                                            static_cast<std::int64_t>(to), insert);
    f.text.replace(from, to - from, insert);
    f.owner.erase(f.owner.begin() + static_cast<std::ptrdiff_t>(from), f.owner.begin() + static_cast<std::ptrdiff_t>(to));
    f.owner.insert(f.owner.begin() + static_cast<std::ptrdiff_t>(from), insert.size(), u);
    auto& cl = *clients_.at(user);
    cl.send(json{{"type", "push"}, {"stream", stream}, {"version", versions_[stream]},
                 {"updates", json::array({{{"clientID", cl_id(user)}, {"seq", ++seq_}, {"changes", change.to_json()}}})}});
    auto r = cl.expect("pushed");
    EXPECT_TRUE(r["ok"].get<bool>()) << r.dump();
    versions_[stream]++;
    remember();
  }

  void command(std::int64_t user, json cmd) {
    auto& cl = *clients_.at(user);
    cl.send(json{{"type", "cmd"}, {"clientID", cl_id(user)}, {"seq", ++seq_}, {"cmd", cmd}});
    for (;;) {
      auto m = cl.expect("cmd");
      if (m["clientID"] == cl_id(user) && m["seq"] == seq_) break;
    }
    remember();
  }

  const model_field& field(const std::string& stream) { return fields_[stream]; }
  std::map<std::string, std::map<std::uint32_t, model_counts>>& counts() { return counts_; }
  // The texts after each op (index = number of ops applied).
  const std::vector<std::map<std::string, std::u16string>>& past() const { return past_; }

private:
  std::string cl_id(std::int64_t user) const { return user == ts_.lib() ? "script-lib" : "script-tea"; }
  static std::string section_of(const std::string& stream) {
    static const std::map<std::string, std::string> sections{
        {"unit.goals", "stage1"}, {"unit.understandings", "stage1"}, {"unit.performance_task", "stage2"},
        {"unit.what_worked", "evidence"}};
    auto it = sections.find(stream);
    if (it != sections.end()) return it->second;
    return stream.find(".begin_") != std::string::npos || stream.find(".notes") != std::string::npos ? "coteach" : "stage3";
  }
  void remember() {
    if (past_.empty()) past_.emplace_back();
    std::map<std::string, std::u16string> now;
    for (const auto& [id, f] : fields_) now[id] = f.text;
    past_.push_back(now);
  }

  test_server& ts_;
  std::map<std::int64_t, std::unique_ptr<ws_client>> clients_;
  std::map<std::string, model_field> fields_;
  std::map<std::string, std::uint64_t> versions_;
  std::map<std::string, std::map<std::uint32_t, model_counts>> counts_;
  std::vector<std::map<std::string, std::u16string>> past_;
  std::uint64_t seq_ = 0;
};

}  // namespace

TEST(Contributions, EveryFigureMatchesTheScript) {
  test_server ts;
  scripted_unit s(ts);
  auto L = ts.lib(), T = ts.tea();
  // Stage 1: the teacher writes, the librarian revises inside and across the teacher's text.
  s.edit(T, "unit.goals", 0, 0, u"Students study the creek.");
  s.edit(L, "unit.goals", 18, 18, u"local ");  // inside the teacher's text
  s.edit(L, "unit.goals", 0, 8, u"Learners");  // replaces the teacher's first word
  s.edit(T, "unit.goals", 31, 31, u" and its sources");
  s.edit(T, "unit.understandings", 0, 0, u"Water connects places.");
  s.edit(L, "unit.understandings", 22, 22, u" Data needs sources.");
  s.edit(L, "unit.understandings", 22, 42, u"");  // the librarian deletes her own sentence
  s.edit(T, "unit.understandings", 6, 15, u"links");  // the teacher replaces her own word
  // Stage 2 by the librarian alone, then a deletion across both partners' text.
  s.edit(L, "unit.performance_task", 0, 0, u"Teams test water.");
  s.edit(T, "unit.performance_task", 17, 17, u" Then they present.");
  s.edit(T, "unit.performance_task", 11, 23, u"");  // cuts "water. Then " across both
  // Lessons: added, moved, one removed; leads and approaches.
  s.command(L, {{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonA"}});
  s.command(T, {{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonB"}, {"after", "lessonA"}});
  s.command(T, {{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonC"}, {"after", "lessonB"}});
  s.edit(L, "lessonA.title", 0, 0, u"Sampling");
  s.edit(T, "lessonB.title", 0, 0, u"Sources");
  s.edit(T, "lessonB.begin_teacher", 0, 0, u"Models a search");
  s.edit(L, "lessonB.begin_teacher", 8, 8, u"database ");
  s.command(L, {{"op", "move_block"}, {"id", "lessonB"}, {"after", nullptr}});
  s.command(T, {{"op", "remove_block"}, {"id", "lessonC"}});
  s.command(L, {{"op", "set"}, {"block", "lessonA"}, {"field", "begin_approach"}, {"value", "station"}});
  s.command(L, {{"op", "set"}, {"block", "lessonA"}, {"field", "begin_lead"}, {"value", L}});
  s.command(T, {{"op", "set"}, {"block", "lessonA"}, {"field", "middle_approach"}, {"value", "one_teach_one_assist"}});
  s.command(T, {{"op", "set"}, {"block", "lessonA"}, {"field", "middle_lead"}, {"value", T}});
  s.command(T, {{"op", "set"}, {"block", "lessonB"}, {"field", "begin_approach"}, {"value", "teaming"}});
  // Expertise: the librarian's inquiry expertise, acknowledged by the teacher; the teacher's
  // content knowledge, not acknowledged.
  s.command(T, {{"op", "add_tag"}, {"id", "tag0001"}, {"target", "stage1"}, {"area", "inquiry"}, {"by", L}});
  s.command(T, {{"op", "acknowledge_tag"}, {"id", "tag0001"}});
  s.command(T, {{"op", "add_tag"}, {"id", "tag0002"}, {"target", "lessonA"}, {"area", "content"}});
  s.command(L, {{"op", "add_tag"}, {"id", "tag0003"}, {"target", "unit.goals"}, {"from", 0}, {"to", 8}, {"area", "curation"}});

  auto cookie = sign_in(ts.port(), "lib");
  auto r = http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/contributions", "", cookie);
  ASSERT_EQ(r.status, 200u) << r.body.dump();
  const auto& rep = r.body;
  // Per section, per user, every figure.
  std::map<std::string, json> sections;
  for (const auto& sec : rep["sections"]) sections[sec["section"]] = sec["byUser"];
  std::map<std::string, std::map<std::uint32_t, std::uint64_t>> survives;
  auto section_of_stream = [](const std::string& stream) -> std::string {
    if (stream == "unit.goals" || stream == "unit.understandings") return "stage1";
    if (stream == "unit.performance_task") return "stage2";
    return stream.find(".begin_") != std::string::npos ? "coteach" : "stage3";
  };
  for (const auto& stream : {"unit.goals", "unit.understandings", "unit.performance_task", "lessonA.title", "lessonB.title",
                             "lessonB.begin_teacher"})
    for (auto o : s.field(stream).owner) survives[section_of_stream(stream)][o]++;
  for (auto& [section, users] : s.counts())
    for (auto& [user, c] : users) {
      auto got = sections.at(section)[std::to_string(user)];
      SCOPED_TRACE(section + " user " + std::to_string(user));
      EXPECT_EQ(got["typed"], c.typed);
      EXPECT_EQ(got["deletedOwn"], c.deleted_own);
      EXPECT_EQ(got["deletedPartner"], c.deleted_partner);
      EXPECT_EQ(got["edits"], c.edits);
      EXPECT_EQ(got["revisionsOfPartner"], c.revisions);
      EXPECT_EQ(got["survives"], survives[section][user]);
    }
  // Hand-checked anchors of the same figures, so a shared mistake in the model would show.
  EXPECT_EQ(sections.at("stage1")[std::to_string(L)]["revisionsOfPartner"], 2);  // inside + across
  EXPECT_EQ(sections.at("stage1")[std::to_string(T)]["revisionsOfPartner"], 0);
  EXPECT_EQ(sections.at("stage2")[std::to_string(T)]["deletedPartner"], 6);      // "water."
  EXPECT_EQ(sections.at("stage2")[std::to_string(T)]["deletedOwn"], 6);          // " Then "
  // Totals are the sums of the sections.
  for (auto user : {L, T}) {
    std::uint64_t typed = 0;
    for (const auto& [sec, by] : sections) typed += by[std::to_string(user)]["typed"].get<std::uint64_t>();
    EXPECT_EQ(rep["totals"][std::to_string(user)]["typed"], typed);
  }
  // Lessons: B (teaming at the beginning) is co-led; A: librarian leads the beginning, teacher
  // the middle; C was removed and does not count.
  const auto& lessons = rep["lessons"];
  EXPECT_EQ(lessons["count"], 2);
  EXPECT_EQ(lessons["approaches"], json({{"station", 1}, {"one_teach_one_assist", 1}, {"teaming", 1}}));
  auto lu = lessons["byUser"][std::to_string(L)], tu = lessons["byUser"][std::to_string(T)];
  EXPECT_EQ(lu["segmentsLed"], 1);
  EXPECT_EQ(lu["segmentsSupported"], 1);
  EXPECT_EQ(lu["segmentsCoLed"], 1);
  EXPECT_EQ(tu["segmentsLed"], 1);
  EXPECT_EQ(tu["segmentsSupported"], 1);
  EXPECT_EQ(tu["segmentsCoLed"], 1);
  // Expertise map: symmetric entries for both partners.
  auto ex = rep["expertise"]["byUser"];
  EXPECT_EQ(ex[std::to_string(L)]["brought"], json({{"inquiry", 1}, {"curation", 1}}));
  EXPECT_EQ(ex[std::to_string(T)]["brought"], json({{"content", 1}}));
  EXPECT_EQ(ex[std::to_string(T)]["learned"], json({{"inquiry", 1}}));
  EXPECT_EQ(ex[std::to_string(L)]["learned"], json::object());
  EXPECT_EQ(rep["commands"][std::to_string(T)], 9);  // 2 adds, a removal, 3 sets, 2 tags, 1 acknowledgement

  // Every past version the history serves equals the script's.
  auto timeline = http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/history", "", cookie).body;
  ASSERT_EQ(timeline["ops"], s.past().size() - 1);
  for (std::size_t k = 0; k < s.past().size(); ++k) {
    auto at = http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/history/" + std::to_string(k), "", cookie).body;
    for (const auto& [stream, text] : s.past()[k]) {
      std::string expected = text::utf16_to_utf8(text);
      std::string got = at["streams"].contains(stream) ? at["streams"][stream]["text"].get<std::string>() : "";
      EXPECT_EQ(got, expected) << "op " << k << " " << stream;
    }
  }
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/history/9999", "", cookie).status, 400u);

  // Blame: the teacher's goals text the librarian cut into is shared work.
  auto blame = http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/blame", "", cookie).body;
  bool shared = false;
  for (const auto& span : blame["streams"]["unit.goals"]["spans"])
    if (span[1] == T && span[3] == L) shared = true;
  EXPECT_TRUE(shared) << blame.dump();

  // Restore the goals as they were after the first op: a new edit, history kept.
  auto restored = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/restore",
                            json{{"op", 1}, {"stream", "unit.goals"}}.dump(), cookie);
  ASSERT_EQ(restored.status, 200u) << restored.body.dump();
  json w;
  auto probe = ts.join("tea", "probe", &w);
  EXPECT_EQ(w["streams"]["unit.goals"]["text"], "Students study the creek.");
  auto after = http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/history", "", cookie).body;
  EXPECT_EQ(after["ops"], s.past().size());  // one more op; nothing rewritten
  // Restore the removed lesson.
  ASSERT_EQ(http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/restore",
                      json{{"op", 5}, {"block", "lessonC"}}.dump(), cookie).status, 200u);
}
