// Reflection: prompt selection from the record, answers private until both partners submit
// (over HTTP and over the unit WebSocket), the suggested facet and agreement, and "Now what?"
// lines becoming action items in the partnership's next unit and in a copy.
#include <gtest/gtest.h>

#include "review/reflection_prompts.hpp"
#include "support/test_server.hpp"
#include "text/change_set.hpp"
#include "text/coded_error.hpp"
#include "unit/template_spec.hpp"

using namespace coplan;
using namespace coplan::test_support;
using nlohmann::json;

namespace {

const json& bank() {
  static auto set = unit::template_set::load_dir(std::string(COPLAN_SOURCE_DIR) + "/templates");
  return set->reflection();
}

// A contribution report as /contributions writes it, for two members.
json report(std::uint64_t lib_stage1, std::uint64_t tea_stage1, std::uint64_t shared, json approaches, json learned_by_tea) {
  auto user = [](std::uint64_t survives, std::uint64_t shared_n) {
    return json{{"typed", survives}, {"survives", survives}, {"sharedSurvives", shared_n}, {"edits", 1}, {"revisionsOfPartner", 0},
                {"deletedOwn", 0}, {"deletedPartner", 0}};
  };
  return {{"members", {{{"id", 1}, {"name", "Lee"}, {"role", "librarian"}}, {{"id", 2}, {"name", "Tess"}, {"role", "teacher"}}}},
          {"sections", {{{"phase", "plan"}, {"section", "stage1"}, {"label", "Stage 1"}, {"byUser", {{"1", user(lib_stage1, 0)}, {"2", user(tea_stage1, shared)}}}}}},
          {"totals", {{"1", user(lib_stage1, 0)}, {"2", user(tea_stage1, shared)}}},
          {"lessons", {{"count", 2}, {"segmentsPlanned", 2}, {"approaches", approaches}, {"byUser", {{"1", {{"segmentsCoLed", 0}}}, {"2", {{"segmentsCoLed", 0}}}}}}},
          {"expertise", {{"areas", {{"inquiry", "Inquiry process"}, {"content", "Content knowledge"}}},
                         {"byUser", {{"1", {{"brought", {{"inquiry", 1}}}, {"learned", json::object()}}}, {"2", {{"brought", json::object()}, {"learned", learned_by_tea}}}}}}}};
}

std::vector<std::string> ids(const json& prompts) {
  std::vector<std::string> out;
  for (const auto& p : prompts) out.push_back(p["id"]);
  return out;
}

}  // namespace

TEST(ReflectionPrompts, ChosenFromTheProtocolAndTheRecordWithValuesFilledIn) {
  auto spec = unit::template_spec::load_file(std::string(COPLAN_SOURCE_DIR) + "/templates/ubd.json");
  unit::unit_doc doc(spec, {});
  doc.apply(unit::command::from_json({{"op", "add_tag"}, {"id", "tag0001"}, {"target", "stage1"}, {"area", "inquiry"}, {"by", 1}}), "c", 0, 2, 0);
  doc.apply(unit::command::from_json({{"op", "acknowledge_tag"}, {"id", "tag0001"}}), "c", 0, 2, 0);
  doc.apply(unit::command::from_json({{"op", "set"}, {"block", "unit"}, {"field", "participants"}, {"value", 24}}), "c", 0, 1, 0);
  doc.apply(unit::command::from_json({{"op", "set"}, {"block", "unit"}, {"field", "met_expectations"}, {"value", 19}}), "c", 0, 1, 0);

  // The librarian wrote 90% of Stage 1, the teacher learned inquiry from her, teaming was used.
  auto r = report(900, 100, 0, {{"teaming", 2}}, {{"inquiry", 1}});
  auto tess = review::reflection_prompts::choose(bank(), "what-so-what-now-what", r, doc, 2);
  EXPECT_EQ(ids(tess), (std::vector<std::string>{"what", "so_what", "now_what", "partner_shaped", "learned", "approaches",
                                                 "balance", "equals", "outcomes"}));
  EXPECT_EQ(tess[3]["text"], "Lee wrote most of “Stage 1”. What did you take from the way they approached it?");
  EXPECT_EQ(tess[4]["text"], "You noted learning about Inquiry process from Lee. Where will you use it next?");
  EXPECT_EQ(tess[5]["text"], "You co-taught with Teaming. Which worked best for your students, and why?");
  EXPECT_EQ(tess[8]["text"], "19 of 24 students met or exceeded expectations. What do you make of that number?");
  EXPECT_TRUE(tess[2]["action"].get<bool>());
  // The same record, from the librarian's side: she shaped the section and taught inquiry.
  auto lee = review::reflection_prompts::choose(bank(), "plus-delta", r, doc, 1);
  EXPECT_EQ(ids(lee), (std::vector<std::string>{"plus", "delta", "you_shaped", "taught", "approaches", "balance", "equals", "outcomes"}));
  EXPECT_EQ(lee[2]["text"], "You wrote most of “Stage 1”. What would you like Tess to add to it next time?");
  EXPECT_EQ(lee[3]["text"], "Tess noted learning about Inquiry process from you. How could you share more of it?");

  // A balanced unit with shared writing and no approaches recorded (the tag in the unit still
  // says the teacher learned from the librarian).
  auto balanced = report(500, 480, 60, json::object(), json::object());
  auto b = review::reflection_prompts::choose(bank(), "after-action-review", balanced, doc, 1);
  EXPECT_EQ(ids(b), (std::vector<std::string>{"planned", "happened", "why", "next", "taught", "no_approaches", "shared", "equals", "outcomes"}));
  EXPECT_EQ(b[6]["text"], "You revised each other's writing in “Stage 1”. How did that change the plan?");
  EXPECT_THROW(review::reflection_prompts::choose(bank(), "nope", balanced, doc, 1), coded_error);
}

TEST(ReflectionPrompts, SuggestedFacetFollowsTheRecord) {
  auto with = [](int both, int segments, bool assessed) {
    json sections = json::array();
    for (int i = 0; i < 4; ++i)
      sections.push_back({{"phase", "plan"}, {"label", "s"}, {"byUser", {{"1", {{"survives", 10}}}, {"2", {{"survives", i < both ? 10 : 0}}}}}});
    sections.push_back({{"phase", "assess"}, {"label", "a"}, {"byUser", {{"1", {{"survives", 5}}}, {"2", {{"survives", assessed ? 5 : 0}}}}}});
    return json{{"sections", sections}, {"lessons", {{"segmentsPlanned", segments}, {"byUser", {{"1", {{"segmentsCoLed", 1}}}}}}}};
  };
  EXPECT_EQ(review::reflection_prompts::suggest_facet(bank(), with(0, 0, false), 0)["facet"], "coordination");
  EXPECT_EQ(review::reflection_prompts::suggest_facet(bank(), with(2, 1, false), 0)["facet"], "cooperation");
  auto integrated = review::reflection_prompts::suggest_facet(bank(), with(3, 4, true), 0);
  EXPECT_EQ(integrated["facet"], "integrated_instruction");
  EXPECT_EQ(integrated["label"], "Integrated instruction");
  EXPECT_EQ(integrated["reasons"][0], "Both of you wrote in 3 of the planning sections (5 sections have writing).");
  EXPECT_EQ(review::reflection_prompts::suggest_facet(bank(), with(3, 4, true), 2)["facet"], "integrated_curriculum");
}

TEST(Reflection, AnswersArePrivateUntilBothSubmitThenRevealAgreeAndCarryActionItems) {
  test_server ts;
  auto lib = sign_in(ts.port(), "lib"), tea = sign_in(ts.port(), "tea"), out = sign_in(ts.port(), "out");
  auto base = "/api/units/" + ts.unit() + "/reflections";
  auto watcher = ts.join("tea", "watcher");  // the teacher's open unit page
  auto started = http_call(ts.port(), http::verb::post, base, R"({"kind":"unit","protocol":"what-so-what-now-what"})", lib);
  ASSERT_EQ(started.status, 201u) << started.body.dump();
  auto rid = std::to_string(started.body["reflection"]["id"].get<int>());
  EXPECT_EQ(http_call(ts.port(), http::verb::get, base, "", out).status, 404u);  // outsiders see nothing

  const std::string secret = "The station rotation was too rushed for the younger group";
  auto saved = http_call(ts.port(), http::verb::post, base + "/" + rid,
                         json{{"answers", {{"what", {{"text", secret}, {"evidence", {{{"kind", "section"}, {"ref", "stage1"}}}}}},
                                           {"now_what", {{"text", "- Book the library twice a week\n- Pre-teach database search\n\n"}}}}},
                              {"facet", "cooperation"}}.dump(), lib);
  ASSERT_EQ(saved.status, 200u) << saved.body.dump();
  // Before the librarian submits, and after, the teacher sees no word of her answers or rating…
  for (int round = 0; round < 2; ++round) {
    auto seen = http_call(ts.port(), http::verb::get, base, "", tea);
    EXPECT_EQ(seen.body.dump().find(secret), std::string::npos);
    EXPECT_EQ(seen.body["reflections"][0]["partners"][0]["submitted"], round == 1);
    EXPECT_FALSE(seen.body["reflections"][0].contains("everyone"));
    EXPECT_EQ(seen.body["reflections"][0]["me"]["facet"], "");
    if (round == 0) {
      ASSERT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid + "/submit", "", lib).status, 200u);
    }
  }
  // …and nothing about it crosses the unit WebSocket either.
  watcher->send(std::string(R"({"type":"ping"})"));
  for (;;) {
    auto raw = watcher->recv_raw(std::chrono::seconds(2));
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(raw->find(secret), std::string::npos);
    if (raw->find("pong") != std::string::npos) break;
  }
  // A submitted reflection cannot be changed; agreeing waits for the reveal.
  EXPECT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid, R"({"answers":{}})", lib).status, 409u);
  EXPECT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid + "/agree", R"({"facet":"cooperation"})", lib).status, 409u);
  // The teacher answers and submits: now both see both, with the suggested facet.
  http_call(ts.port(), http::verb::post, base + "/" + rid,
            json{{"answers", {{"what", {{"text", "Students loved the water kits."}}}, {"now_what", {{"text", "Start with the kits"}}}}},
                 {"facet", "integrated_instruction"}}.dump(), tea);
  auto revealed = http_call(ts.port(), http::verb::post, base + "/" + rid + "/submit", "", tea).body["reflection"];
  ASSERT_EQ(revealed["state"], "revealed");
  auto lib_key = std::to_string(ts.lib()), tea_key = std::to_string(ts.tea());
  EXPECT_EQ(revealed["everyone"][lib_key]["answers"]["what"]["text"], secret);
  EXPECT_EQ(revealed["everyone"][lib_key]["answers"]["what"]["evidence"][0]["ref"], "stage1");
  EXPECT_EQ(revealed["everyone"][lib_key]["facet"], "cooperation");
  EXPECT_EQ(revealed["everyone"][tea_key]["facet"], "integrated_instruction");
  EXPECT_EQ(revealed["suggestion"]["facet"], "coordination");  // nothing was written together yet
  // Agreement needs the same facet from both.
  http_call(ts.port(), http::verb::post, base + "/" + rid + "/agree", R"({"facet":"cooperation"})", lib);
  auto one = http_call(ts.port(), http::verb::post, base + "/" + rid + "/agree", R"({"facet":"coordination"})", tea).body["reflection"];
  EXPECT_TRUE(one["agreed"].is_null());
  auto both = http_call(ts.port(), http::verb::post, base + "/" + rid + "/agree", R"({"facet":"cooperation"})", tea).body["reflection"];
  EXPECT_EQ(both["agreed"], "cooperation");

  // The "Now what?" lines are action items in the partnership's next unit and in a copy.
  auto parts = http_call(ts.port(), http::verb::get, "/api/partnerships", "", lib).body;
  auto next = http_call(ts.port(), http::verb::post, "/api/units", json{{"partnership", parts["partnerships"][0]["id"]}, {"title", "Next"}}.dump(), lib);
  std::string next_id = next.body["unit"]["id"];
  auto items = http_call(ts.port(), http::verb::get, "/api/units/" + next_id + "/action-items", "", tea).body["items"];
  std::set<std::string> texts;
  for (const auto& i : items) texts.insert(i["text"]);
  EXPECT_EQ(texts, (std::set<std::string>{"Book the library twice a week", "Pre-teach database search", "Start with the kits"}));
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/action-items", "", lib).body["items"].size(), 0u);
  auto copy = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/duplicate", "{}", lib).body["unit"]["id"].get<std::string>();
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units/" + copy + "/action-items", "", lib).body["items"].size(), 3u);
  // Done in the next unit: it stays there as done and leaves the other units' lists.
  auto first = items[0]["id"].get<int>();
  auto after = http_call(ts.port(), http::verb::post, "/api/units/" + next_id + "/action-items/" + std::to_string(first), R"({"done":true})", tea);
  ASSERT_EQ(after.status, 200u);
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/units/" + copy + "/action-items", "", lib).body["items"].size(), 2u);
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/units/" + next_id + "/action-items/" + std::to_string(first), R"({"done":true})", out).status, 404u);

  // A check-in after a lesson uses the same machinery with two questions.
  watcher->send(json{{"type", "cmd"}, {"clientID", "watcher"}, {"seq", 1}, {"cmd", {{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson1"}}}});
  watcher->expect("cmd");
  auto checkin = http_call(ts.port(), http::verb::post, base, R"({"kind":"checkin","protocol":"lesson-checkin","lesson":"lesson1"})", tea);
  ASSERT_EQ(checkin.status, 201u) << checkin.body.dump();
  EXPECT_EQ(checkin.body["reflection"]["me"]["prompts"].size(), 2u);
  EXPECT_EQ(http_call(ts.port(), http::verb::post, base, R"({"kind":"checkin","protocol":"lesson-checkin","lesson":"nolesson"})", tea).status, 404u);
}
