// Reflection: prompt selection from the record (each record prompt tied to its protocol, its
// thresholds the prompt bank's, a malformed bank refused; and on a unit record scripted by two
// partners over the WebSocket), the reflection opening when the unit enters the reflect phase, its
// protocol changeable until someone answers, answers private until every member submits (over
// HTTP and over the unit WebSocket; former members' submissions do not count), evidence citing
// only what the unit has, the suggested facet and agreement, and "Now what?" lines becoming action
// items in the partners' next units and in a copy, never in older units (a lesson check-in's in
// its own unit too).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "review/prompt_bank_error.hpp"
#include "review/reflection_prompts.hpp"
#include "store/database.hpp"
#include "support/temp_dir.hpp"
#include "support/test_server.hpp"
#include "support/unit_writer.hpp"
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
  EXPECT_EQ(ids(lee), (std::vector<std::string>{"plus", "delta", "you_shaped", "taught", "approaches_keep", "balance", "equals",
                                                "outcomes_keep"}));
  EXPECT_EQ(lee[2]["text"], "You wrote most of “Stage 1”. What would you like Tess to add to it next time?");
  EXPECT_EQ(lee[3]["text"], "Tess noted learning about Inquiry process from you. How could you share more of it?");
  EXPECT_EQ(lee[4]["text"], "You co-taught with Teaming. Which would you keep for the next unit, and which would you change?");
  EXPECT_EQ(lee[7]["text"], "19 of 24 students met or exceeded expectations. What helped them, and what would help more of them next time?");

  // A balanced unit with shared writing and no approaches recorded (the tag in the unit still
  // says the teacher learned from the librarian).
  auto balanced = report(500, 480, 60, json::object(), json::object());
  auto b = review::reflection_prompts::choose(bank(), "after-action-review", balanced, doc, 1);
  EXPECT_EQ(ids(b), (std::vector<std::string>{"planned", "happened", "why", "next", "taught", "no_approaches", "shared", "equals",
                                              "outcomes_planned"}));
  EXPECT_EQ(b[6]["text"], "You revised each other's writing in “Stage 1”. How did that change the plan?");
  EXPECT_EQ(b[8]["text"], "19 of 24 students met or exceeded expectations. Is that the result you planned for? If not, why not?");
  EXPECT_THROW(review::reflection_prompts::choose(bank(), "nope", balanced, doc, 1), coded_error);
}

TEST(ReflectionPrompts, EachRecordPromptBelongsToAProtocolAndOnlyThatProtocolGetsIt) {
  EXPECT_NO_THROW(review::reflection_prompts::check_bank(bank()));
  EXPECT_EQ(review::reflection_prompts::default_protocol(bank()), "what-so-what-now-what");
  std::map<std::string, std::string> protocol_of;
  for (const auto& rp : bank()["record_prompts"]) {
    ASSERT_TRUE(rp.contains("protocol")) << rp.dump();
    protocol_of[rp["id"]] = rp["protocol"];
  }
  // Some prompts are for every protocol, some for one.
  EXPECT_EQ(protocol_of["equals"], "any");
  EXPECT_EQ(protocol_of["approaches_keep"], "plus-delta");
  EXPECT_EQ(protocol_of["approaches_planned"], "after-action-review");

  auto spec = unit::template_spec::load_file(std::string(COPLAN_SOURCE_DIR) + "/templates/ubd.json");
  unit::unit_doc doc(spec, {});
  doc.apply(unit::command::from_json({{"op", "set"}, {"block", "unit"}, {"field", "participants"}, {"value", 20}}), "c", 0, 1, 0);
  doc.apply(unit::command::from_json({{"op", "set"}, {"block", "unit"}, {"field", "met_expectations"}, {"value", 15}}), "c", 0, 1, 0);
  auto r = report(900, 100, 60, {{"station", 1}}, json::object());
  for (const std::string protocol : {"what-so-what-now-what", "plus-delta", "after-action-review"}) {
    std::set<std::string> seen;
    for (const auto& p : review::reflection_prompts::choose(bank(), protocol, r, doc, 2)) {
      seen.insert(p["id"]);
      if (p["source"] == "record") {
        EXPECT_TRUE(protocol_of[p["id"]] == "any" || protocol_of[p["id"]] == protocol) << protocol << " got " << p["id"];
      }
    }
    // The condition "approaches used" holds: exactly one of its prompts, the one of this protocol.
    EXPECT_EQ(seen.count("approaches") + seen.count("approaches_keep") + seen.count("approaches_planned"), 1u) << protocol;
    EXPECT_EQ(seen.count("outcomes") + seen.count("outcomes_keep") + seen.count("outcomes_planned"), 1u) << protocol;
    EXPECT_TRUE(seen.count("equals")) << protocol;
  }

  // A bank whose record prompt does not say its protocol (or names an unknown one) is refused.
  auto broken = bank();
  broken["record_prompts"][0].erase("protocol");
  EXPECT_THROW(review::reflection_prompts::check_bank(broken), std::runtime_error);
  broken["record_prompts"][0]["protocol"] = "lesson-checkin";  // not a unit protocol
  EXPECT_THROW(review::reflection_prompts::check_bank(broken), std::runtime_error);
  auto no_default = bank();
  no_default.erase("default_protocol");
  EXPECT_THROW(review::reflection_prompts::check_bank(no_default), std::runtime_error);
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

namespace {

// The record prompt `id` of `bank`, to change.
json& record_prompt(json& bank, const std::string& id) {
  for (auto& rp : bank["record_prompts"])
    if (rp["id"] == id) return rp;
  throw std::runtime_error("no record prompt " + id);
}

// The facet_suggestion rule of `bank` for `facet`, to change.
json& facet_rule(json& bank, const std::string& facet) {
  for (auto& rule : bank["facet_suggestion"])
    if (rule["facet"] == facet) return rule;
  throw std::runtime_error("no facet rule " + facet);
}

// What check_bank says of `bank` ("" when it takes it).
std::string refusal(const json& bank) {
  try {
    review::reflection_prompts::check_bank(bank);
  } catch (const review::prompt_bank_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

// The thresholds of the record conditions and of the facet suggestion are the bank's: the same
// record under a bank with other numbers gets other prompts and another facet.
TEST(ReflectionPrompts, ThresholdsComeFromTheBankAndChangingOneChangesTheSelection) {
  auto spec = unit::template_spec::load_file(std::string(COPLAN_SOURCE_DIR) + "/templates/ubd.json");
  unit::unit_doc doc(spec, {});
  auto choose = [&](const json& bank, const json& r, std::uint32_t viewer) {
    EXPECT_EQ(refusal(bank), "");
    return ids(review::reflection_prompts::choose(bank, "what-so-what-now-what", r, doc, viewer));
  };
  const std::vector<std::string> protocol{"what", "so_what", "now_what"};
  auto with = [&](std::vector<std::string> record) {
    record.insert(record.begin(), protocol.begin(), protocol.end());
    return record;
  };
  // Lee wrote 90% of Stage 1 (1000 characters): the shipped bank calls that shaped (70%) and one-sided (80%).
  auto lopsided = report(900, 100, 0, {{"teaming", 1}}, json::object());
  EXPECT_EQ(choose(bank(), lopsided, 2), with({"partner_shaped", "approaches", "balance", "equals"}));
  auto stricter = bank();
  record_prompt(stricter, "partner_shaped")["condition"]["min_share"] = 0.95;
  record_prompt(stricter, "balance")["condition"]["min_share"] = 0.95;
  EXPECT_EQ(choose(stricter, lopsided, 2), with({"approaches", "equals"}));
  auto longer = bank();
  record_prompt(longer, "partner_shaped")["condition"]["min_chars"] = 1001;
  record_prompt(longer, "balance")["condition"]["min_chars"] = 1001;
  EXPECT_EQ(choose(longer, lopsided, 2), with({"approaches", "equals"}));
  record_prompt(longer, "balance")["condition"]["min_chars"] = 1000;  // "at least"
  EXPECT_EQ(choose(longer, lopsided, 2), with({"approaches", "balance", "equals"}));

  // A balanced unit (500 and 480, 60 of Tess's revised by Lee): shared, not one-sided; a lower
  // share makes it one-sided and Lee's section shaped by her, a higher revision count not shared.
  auto balanced = report(500, 480, 60, json::object(), json::object());
  EXPECT_EQ(choose(bank(), balanced, 1), with({"no_approaches", "shared", "equals"}));
  auto looser = bank();
  record_prompt(looser, "you_shaped")["condition"]["min_share"] = 0.5;
  record_prompt(looser, "balance")["condition"]["min_share"] = 0.5;
  record_prompt(looser, "shared")["condition"]["min_chars"] = 61;
  EXPECT_EQ(choose(looser, balanced, 1), with({"you_shaped", "no_approaches", "balance", "equals"}));

  // The facet suggestion's minimums.
  auto record = [](int both, int segments) {
    json sections = json::array();
    for (int i = 0; i < 4; ++i)
      sections.push_back({{"phase", "plan"}, {"label", "s"}, {"byUser", {{"1", {{"survives", 10}}}, {"2", {{"survives", i < both ? 10 : 0}}}}}});
    sections.push_back({{"phase", "assess"}, {"label", "a"}, {"byUser", {{"1", {{"survives", 5}}}, {"2", {{"survives", 5}}}}}});
    return json{{"sections", sections}, {"lessons", {{"segmentsPlanned", segments}, {"byUser", json::object()}}}};
  };
  auto facet = [](const json& bank, const json& r, int before) {
    EXPECT_EQ(refusal(bank), "");
    return review::reflection_prompts::suggest_facet(bank, r, before)["facet"].get<std::string>();
  };
  EXPECT_EQ(facet(bank(), record(3, 3), 0), "integrated_instruction");
  EXPECT_EQ(facet(bank(), record(1, 0), 0), "cooperation");
  auto demanding = bank();
  facet_rule(demanding, "integrated_instruction")["all"]["lesson_segments"] = 4;
  facet_rule(demanding, "cooperation")["any"] = {{"co_planned_sections", 2}};
  EXPECT_EQ(facet(demanding, record(3, 3), 0), "cooperation");
  EXPECT_EQ(facet(demanding, record(1, 0), 0), "coordination");
  EXPECT_EQ(facet(demanding, record(3, 4), 0), "integrated_instruction");
  facet_rule(demanding, "integrated_curriculum")["all"]["integrated_units_before"] = 1;
  facet_rule(demanding, "integrated_curriculum")["all"]["lesson_segments"] = 4;
  EXPECT_EQ(facet(demanding, record(3, 4), 1), "integrated_curriculum");
}

// A bank whose condition or facet rule is malformed is refused, naming the prompt (or rule) and
// what is wrong; the server does not start with it.
TEST(ReflectionPrompts, AMalformedConditionIsRefusedNamingThePromptAndTheServerDoesNotStart) {
  EXPECT_EQ(refusal(bank()), "");
  const std::vector<std::pair<json, std::string>> conditions{
      {"one_sided", "record prompt balance: condition must be an object {\"when\": …}"},  // the old form, a bare name
      {{{"when", "lopsided"}}, "(not \"lopsided\")"},
      {{{"min_chars", 100}, {"min_share", 0.8}}, "record prompt balance: condition must be an object"},
      {{{"when", "one_sided"}, {"min_chars", 100}}, "record prompt balance: condition one_sided needs min_share"},
      {{{"when", "one_sided"}, {"min_chars", 100}, {"min_share", 1.5}}, "min_share must be a share above 0 and at most 1"},
      {{{"when", "one_sided"}, {"min_chars", 100}, {"min_share", 0}}, "min_share must be a share above 0 and at most 1"},
      {{{"when", "one_sided"}, {"min_chars", 100}, {"min_share", "80%"}}, "min_share must be a share"},
      {{{"when", "one_sided"}, {"min_chars", -1}, {"min_share", 0.8}}, "min_chars must be a whole number, 0 or more"},
      {{{"when", "one_sided"}, {"min_chars", 99.5}, {"min_share", 0.8}}, "min_chars must be a whole number"},
      {{{"when", "one_sided"}, {"min_chars", 100}, {"min_share", 0.8}, {"min_shares", 0.9}},
       "condition one_sided has no parameter min_shares (it takes min_chars, min_share)"},
      {{{"when", "always"}, {"min_chars", 1}}, "condition always has no parameter min_chars (it takes none)"},
      {{{"when", "shared_work"}, {"min_chars", 1}, {"max_sections", 0}}, "max_sections must be a whole number, 1 or more"},
  };
  for (const auto& [condition, says] : conditions) {
    SCOPED_TRACE(condition.dump());
    auto broken = bank();
    record_prompt(broken, "balance")["condition"] = condition;
    auto why = refusal(broken);
    EXPECT_NE(why.find("templates/reflection.json: record prompt balance"), std::string::npos) << why;
    EXPECT_NE(why.find(says), std::string::npos) << why;
  }
  auto no_text = bank();
  record_prompt(no_text, "equals").erase("text");
  EXPECT_NE(refusal(no_text).find("record prompt equals has no text"), std::string::npos) << refusal(no_text);

  const std::vector<std::pair<std::function<void(json&)>, std::string>> rules{
      {[](json& b) { b.erase("facet_suggestion"); }, "facet_suggestion must be a list of rules"},
      {[](json& b) { facet_rule(b, "cooperation")["facet"] = "collaboration"; }, "rule 3 (collaboration): \"facet\" must name a facet"},
      {[](json& b) { facet_rule(b, "cooperation")["all"] = json::object(); }, "rule 3 (cooperation): needs either \"all\" or \"any\""},
      {[](json& b) { facet_rule(b, "cooperation")["any"] = json::object(); }, "\"any\" with no minimum never holds"},
      {[](json& b) { facet_rule(b, "cooperation")["any"]["co_taught_lessons"] = 1; }, "rule 3 (cooperation): no measure co_taught_lessons"},
      {[](json& b) { facet_rule(b, "integrated_instruction")["all"]["lesson_segments"] = 2.5; }, "lesson_segments must be a whole number"},
      {[](json& b) { facet_rule(b, "coordination")["all"] = {{"lesson_segments", 0}}; }, "the last rule must hold for every unit"},
      {[](json& b) { b["facet_suggestion"].erase(3); }, "rule 3 (cooperation): the last rule must hold for every unit"},
  };
  for (const auto& [change, says] : rules) {
    SCOPED_TRACE(says);
    auto broken = bank();
    change(broken);
    auto why = refusal(broken);
    EXPECT_NE(why.find(says), std::string::npos) << why;
  }

  // At startup: the server refuses to start, saying why.
  temp_dir data, templates;
  for (const auto& e : std::filesystem::directory_iterator(std::string(COPLAN_SOURCE_DIR) + "/templates"))
    std::filesystem::copy_file(e.path(), std::filesystem::path(templates.path()) / e.path().filename());
  auto broken = bank();
  record_prompt(broken, "balance")["condition"] = {{"when", "one_sided"}, {"min_chars", 100}, {"min_share", 80}};
  std::ofstream(templates.file("reflection.json")) << broken.dump(2);
  net::server_config config;
  config.port = 0;
  config.data_dir = data.path();
  config.templates_dir = templates.path();
  config.web_root = data.file("web");
  config.hash_cost = auth::hash_cost::minimal;
  std::string said;
  try {
    net::server refused(config);
  } catch (const review::prompt_bank_error& e) {
    said = e.what();
  }
  EXPECT_EQ(said, "templates/reflection.json: record prompt balance: condition one_sided: min_share must be a share above 0 and at most 1");
}

// Regression (a reflection revealed with a member's unsubmitted draft in it): the reveal counted
// the submissions of everyone with a row, so one made by someone who then left the unit (here a
// third member made coordinator) stood in for a member's: the last of the others to submit saw
// the reveal, and in it the draft of the member who had not submitted. And a former member's
// draft, never submitted, was shown after the reveal and its action lines became items. Now
// only the submissions of the unit's members count, and only submitted answers are shown and
// make items.
TEST(Reflection, ASubmissionBySomeoneNoLongerAMemberDoesNotRevealAMembersDraft) {
  test_server ts;
  ts.server().accounts().create_user("admin", "Ada", "admin", ts.server().hasher().hash("correct horse"));
  auto admin = sign_in(ts.port(), "admin");
  auto lib = sign_in(ts.port(), "lib"), tea = sign_in(ts.port(), "tea");
  // A third member: a second teacher invited to the unit.
  auto link = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/invitations", R"({"role":"teacher"})", lib)
                  .body["link"].get<std::string>();
  auto joined = http_call(ts.port(), http::verb::post, "/api/invitations/" + link.substr(link.rfind('/') + 1) + "/accept",
                          R"({"username":"sam","name":"Sam Second","password":"streams and rivers"})");
  ASSERT_EQ(joined.status, 200u) << joined.body.dump();
  auto sam = joined.set_cookie.substr(0, joined.set_cookie.find(';'));
  auto sam_id = ts.server().accounts().user_by_name("sam")->id;
  {
    std::map<std::string, std::uint64_t> v;
    std::map<std::string, std::int64_t> len;
    unit_writer(ts.port(), ts.unit(), "lib", v, len).cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson1"}});
  }
  auto base = "/api/units/" + ts.unit() + "/reflections";
  auto start = [&](const std::string& body) {
    auto r = http_call(ts.port(), http::verb::post, base, body, lib);
    EXPECT_EQ(r.status, 201u) << r.body.dump();
    return std::to_string(r.body["reflection"]["id"].get<int>());
  };
  auto unit_rid = start(R"({"kind":"unit","protocol":"plus-delta"})");
  auto checkin_rid = start(R"({"kind":"checkin","protocol":"lesson-checkin","lesson":"lesson1"})");
  auto save = [&](const std::string& rid, const std::string& protocol, const std::string& prompt, const std::string& text,
                  const std::string& cookie) {
    auto r = http_call(ts.port(), http::verb::post, base + "/" + rid,
                       json{{"protocol", protocol}, {"answers", {{prompt, {{"text", text}}}}}}.dump(), cookie);
    ASSERT_EQ(r.status, 200u) << r.body.dump();
  };
  auto submit = [&](const std::string& rid, const std::string& cookie) {
    auto r = http_call(ts.port(), http::verb::post, base + "/" + rid + "/submit", "", cookie);
    EXPECT_EQ(r.status, 200u) << r.body.dump();
    return r.body["reflection"];
  };
  // Sam submits the unit's reflection and drafts the check-in; Tess drafts the unit's reflection.
  save(unit_rid, "plus-delta", "plus", "Sam's submitted plus", sam);
  submit(unit_rid, sam);
  save(checkin_rid, "lesson-checkin", "adjust", "Sam's draft, never submitted", sam);
  const std::string tess_draft = "Tess's draft, not yet submitted";
  save(unit_rid, "plus-delta", "delta", tess_draft, tea);
  // Sam is made coordinator: no longer a member of the unit.
  ASSERT_EQ(http_call(ts.port(), http::verb::post, "/api/admin/users/" + std::to_string(sam_id), R"({"role":"coordinator"})", admin).status,
            200u);

  // Lee submits: Tess has not, so nothing is revealed, and Lee reads no word of Tess's draft.
  save(unit_rid, "plus-delta", "plus", "Lee's plus", lib);
  auto lee = submit(unit_rid, lib);
  EXPECT_EQ(lee["state"], "open") << lee.dump();
  EXPECT_FALSE(lee.contains("everyone"));
  EXPECT_EQ(http_call(ts.port(), http::verb::get, base, "", lib).body.dump().find(tess_draft), std::string::npos);
  ASSERT_EQ(lee["partners"].size(), 1u) << lee.dump();
  EXPECT_EQ(lee["partners"][0], (json{{"user", ts.tea()}, {"submitted", false}}));
  // Tess submits: revealed to both.
  auto revealed = submit(unit_rid, tea);
  EXPECT_EQ(revealed["state"], "revealed");
  EXPECT_EQ(revealed["everyone"][std::to_string(ts.lib())]["answers"]["plus"]["text"], "Lee's plus");
  EXPECT_EQ(revealed["everyone"][std::to_string(ts.tea())]["answers"]["delta"]["text"], tess_draft);

  // The check-in, which both members submit: Sam's draft is not in it, and made no action item.
  save(checkin_rid, "lesson-checkin", "adjust", "Lee's adjust", lib);
  submit(checkin_rid, lib);
  auto checkin = submit(checkin_rid, tea);
  EXPECT_EQ(checkin["state"], "revealed");
  EXPECT_EQ(checkin.dump().find("Sam's draft"), std::string::npos) << checkin.dump();
  EXPECT_FALSE(checkin["everyone"].contains(std::to_string(sam_id)));
  auto items = http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/action-items", "", tea).body["items"];
  ASSERT_EQ(items.size(), 1u) << items.dump();
  EXPECT_EQ(items[0]["text"], "Lee's adjust");
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
                         json{{"protocol", "what-so-what-now-what"}, {"answers", {{"what", {{"text", secret}, {"evidence", {{{"kind", "section"}, {"ref", "stage1"}}}}}},
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
  EXPECT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid, R"({"protocol":"what-so-what-now-what","answers":{}})", lib).status, 409u);
  EXPECT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid + "/agree", R"({"facet":"cooperation"})", lib).status, 409u);
  // The teacher answers and submits: now both see both, with the suggested facet.
  http_call(ts.port(), http::verb::post, base + "/" + rid,
            json{{"protocol", "what-so-what-now-what"}, {"answers", {{"what", {{"text", "Students loved the water kits."}}}, {"now_what", {{"text", "Start with the kits"}}}}},
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

namespace {

std::int64_t count_rows(const test_server& ts, const std::string& sql) {
  store::database db(ts.dir().file("coplan.db"), {});
  auto st = db.prepare(sql);
  st.step();
  return st.int64(0);
}

// Everything stored about reflection `rid`: its protocol and each member's row.
std::string stored_reflection(const test_server& ts, const std::string& rid) {
  store::database db(ts.dir().file("coplan.db"), {});
  auto st = db.prepare(
      "SELECT r.protocol || '|' || coalesce((SELECT group_concat(a.user_id || ':' || a.prompts || ':' || a.answers || ':' || "
      "coalesce(a.facet, '') || ':' || a.updated_at, ';') FROM reflection_answers a WHERE a.reflection_id = r.id), '') "
      "FROM reflections r WHERE r.id = " + rid);
  st.step();
  return st.text(0);
}

std::string prompt_ids(const json& reflection) {
  std::string out;
  for (const auto& p : reflection["me"]["prompts"]) out += (out.empty() ? "" : " ") + p["id"].get<std::string>();
  return out;
}

}  // namespace

TEST(Reflection, EnteringTheReflectPhaseOpensItForEachPartnerWithAProtocolChangeableUntilSomeoneAnswers) {
  test_server ts;
  auto lib = sign_in(ts.port(), "lib"), tea = sign_in(ts.port(), "tea");
  auto base = "/api/units/" + ts.unit() + "/reflections";
  const std::string count_sql = "SELECT count(*) FROM reflections WHERE kind = 'unit'";
  std::map<std::string, std::uint64_t> v;
  std::map<std::string, std::int64_t> len;
  unit_writer T(ts.port(), ts.unit(), "tea", v, len);
  T.set("phase", "assess");
  EXPECT_EQ(count_rows(ts, count_sql), 0);
  T.set("phase", "reflect");
  // Opened by the phase change itself (in its transaction), before anyone asks for it.
  EXPECT_EQ(count_rows(ts, count_sql), 1);
  EXPECT_EQ(count_rows(ts, "SELECT count(*) FROM reflections WHERE protocol = 'what-so-what-now-what' AND created_by = " +
                               std::to_string(ts.tea())), 1);
  std::string rid;
  for (const auto& cookie : {lib, tea}) {
    auto list = http_call(ts.port(), http::verb::get, base, "", cookie).body;
    ASSERT_EQ(list["reflections"].size(), 1u) << list.dump();
    const auto& r = list["reflections"][0];
    EXPECT_EQ(r["kind"], "unit");
    EXPECT_EQ(r["protocol"], "what-so-what-now-what");
    EXPECT_EQ(r["state"], "open");
    EXPECT_TRUE(r["canChangeProtocol"].get<bool>());
    EXPECT_EQ(prompt_ids(r).substr(0, 17), "what so_what now_");
    rid = std::to_string(r["id"].get<int>());
  }
  // Either partner may choose another protocol before anyone answers; both get its prompts.
  auto proto = base + "/" + rid + "/protocol";
  auto changed = http_call(ts.port(), http::verb::post, proto, R"({"protocol":"plus-delta"})", lib);
  ASSERT_EQ(changed.status, 200u) << changed.body.dump();
  EXPECT_EQ(changed.body["reflection"]["protocol"], "plus-delta");
  EXPECT_EQ(prompt_ids(changed.body["reflection"]).substr(0, 10), "plus delta");
  EXPECT_EQ(prompt_ids(http_call(ts.port(), http::verb::get, base, "", tea).body["reflections"][0]).substr(0, 10), "plus delta");
  EXPECT_EQ(http_call(ts.port(), http::verb::post, proto, R"({"protocol":"lesson-checkin"})", lib).body["error"]["code"], "unknown_protocol");
  EXPECT_EQ(http_call(ts.port(), http::verb::post, proto, R"({"protocol":"nope"})", lib).status, 400u);
  // Entering the phase again opens no second reflection and keeps the protocol.
  T.set("phase", "assess");
  T.set("phase", "reflect");
  EXPECT_EQ(count_rows(ts, count_sql), 1);
  EXPECT_EQ(http_call(ts.port(), http::verb::get, base, "", lib).body["reflections"][0]["protocol"], "plus-delta");
  // A draft of blanks is not an answer; a word is, and then the protocol stays.
  http_call(ts.port(), http::verb::post, base + "/" + rid, R"({"protocol":"plus-delta","answers":{"plus":{"text":"  "}}})", lib);
  EXPECT_TRUE(http_call(ts.port(), http::verb::get, base, "", tea).body["reflections"][0]["canChangeProtocol"].get<bool>());
  ASSERT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid, R"({"protocol":"plus-delta","answers":{"plus":{"text":"The kits"}}})", tea).status, 200u);
  EXPECT_FALSE(http_call(ts.port(), http::verb::get, base, "", lib).body["reflections"][0]["canChangeProtocol"].get<bool>());
  auto refused = http_call(ts.port(), http::verb::post, proto, R"({"protocol":"after-action-review"})", lib);
  EXPECT_EQ(refused.status, 409u);
  EXPECT_EQ(refused.body["error"]["code"], "already_answered");
  auto again = http_call(ts.port(), http::verb::post, base, R"({"kind":"unit","protocol":"after-action-review"})", lib);
  EXPECT_EQ(again.body["reflection"]["protocol"], "plus-delta");  // starting returns the open one unchanged

  // A unit already in the reflect phase without a reflection (made before they opened with the
  // phase) gets it when a partner next looks.
  {
    store::database db(ts.dir().file("coplan.db"), {});
    db.exec("DELETE FROM reflections");
  }
  auto late = http_call(ts.port(), http::verb::get, base, "", lib).body["reflections"];
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0]["protocol"], "what-so-what-now-what");
}

// Regression (reflection draft loss): while one partner was typing answers to the protocol's
// prompts, the other changed the protocol (allowed until someone answers), which deletes every
// member's prompts; the typist's next save was refused as a bad request ("no prompt what") and the
// page had nothing to show for it. A save now says which protocol (and prompts) it answers: when
// they are no longer the reflection's, it is refused with its own code and writes nothing, so the
// page can show the new prompts next to what was typed.
TEST(Reflection, SavingAnswersToAProtocolYourPartnerJustChangedIsRefusedAsProtocolChangedAndWritesNothing) {
  test_server ts;
  auto lib = sign_in(ts.port(), "lib"), tea = sign_in(ts.port(), "tea");
  auto base = "/api/units/" + ts.unit() + "/reflections";
  auto started = http_call(ts.port(), http::verb::post, base, R"({"kind":"unit","protocol":"what-so-what-now-what"})", lib);
  ASSERT_EQ(started.status, 201u) << started.body.dump();
  auto rid = std::to_string(started.body["reflection"]["id"].get<int>());
  json lib_prompts = json::array();
  for (const auto& p : started.body["reflection"]["me"]["prompts"]) lib_prompts.push_back(p["id"]);
  ASSERT_EQ(http_call(ts.port(), http::verb::get, base, "", tea).status, 200u);  // the teacher's page is open too
  auto stored = [&] { return stored_reflection(ts, rid); };

  // The teacher switches to Plus/Delta while the librarian is typing a "What?" answer.
  ASSERT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid + "/protocol", R"({"protocol":"plus-delta"})", tea).status, 200u);
  auto before = stored();
  const std::string typed = "Half the teams finished the water test early.";
  auto draft = json{{"protocol", "what-so-what-now-what"}, {"prompts", lib_prompts},
                    {"answers", {{"what", {{"text", typed}}}}}, {"facet", "cooperation"}};
  auto refused = http_call(ts.port(), http::verb::post, base + "/" + rid, draft.dump(), lib);
  EXPECT_EQ(refused.status, 409u) << refused.body.dump();
  EXPECT_EQ(refused.body["error"]["code"], "protocol_changed");
  EXPECT_NE(refused.body["error"]["message"].get<std::string>().find("Plus/Delta"), std::string::npos) << refused.body.dump();
  EXPECT_EQ(stored(), before);  // nothing written, not even the librarian's new prompts
  // The protocol can still change (nobody has answered), and the librarian now gets Plus/Delta.
  auto now = http_call(ts.port(), http::verb::get, base, "", lib).body["reflections"][0];
  EXPECT_TRUE(now["canChangeProtocol"].get<bool>());
  EXPECT_EQ(now["protocol"], "plus-delta");
  EXPECT_EQ(prompt_ids(now).substr(0, 10), "plus delta");
  EXPECT_EQ(now.dump().find(typed), std::string::npos);

  // Back to "What? So what? Now what?": the same prompts as the page showed, so its save lands.
  ASSERT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid + "/protocol", R"({"protocol":"what-so-what-now-what"})", tea).status, 200u);
  // Prompts other than the ones the page answered (chosen again from a changed record) are
  // refused the same way; a save without its protocol is a bad request.
  auto other = draft;
  other["prompts"].erase(other["prompts"].size() - 1);
  EXPECT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid, other.dump(), lib).body["error"]["code"], "protocol_changed");
  auto bare = draft;
  bare.erase("protocol");
  EXPECT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid, bare.dump(), lib).status, 400u);
  auto saved = http_call(ts.port(), http::verb::post, base + "/" + rid, draft.dump(), lib);
  ASSERT_EQ(saved.status, 200u) << saved.body.dump();
  EXPECT_EQ(saved.body["reflection"]["me"]["answers"]["what"]["text"], typed);
  // Now someone has answered: the protocol stays.
  EXPECT_EQ(http_call(ts.port(), http::verb::post, base + "/" + rid + "/protocol", R"({"protocol":"plus-delta"})", tea).body["error"]["code"],
            "already_answered");
}

// Regression (evidence references not checked): a saved answer could cite a section the unit's
// template does not have, a lesson the unit never had or an edit past its last, and the reveal
// then showed links to nothing. Such a save is now refused as unknown_evidence and writes nothing
// (not even the member's prompts on a first save); a lesson removed after it was cited still counts.
TEST(Reflection, EvidenceCitingAnUnknownSectionLessonOrEditIsRefusedAndNothingIsStored) {
  test_server ts;
  auto lib = sign_in(ts.port(), "lib"), tea = sign_in(ts.port(), "tea");
  auto base = "/api/units/" + ts.unit() + "/reflections";
  {
    std::map<std::string, std::uint64_t> v;
    std::map<std::string, std::int64_t> len;
    unit_writer L(ts.port(), ts.unit(), "lib", v, len);
    L.cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson1"}});
    L.cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lessongone"}});
    L.cmd({{"op", "remove_block"}, {"id", "lessongone"}});
  }
  auto started = http_call(ts.port(), http::verb::post, base, R"({"kind":"unit","protocol":"what-so-what-now-what"})", lib);
  ASSERT_EQ(started.status, 201u) << started.body.dump();
  auto rid = std::to_string(started.body["reflection"]["id"].get<int>());
  auto ops = http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/history", "", lib).body["ops"].get<std::uint64_t>();
  ASSERT_GE(ops, 3u);
  auto citing = [](json evidence) {
    return json{{"protocol", "what-so-what-now-what"}, {"answers", {{"what", {{"text", "The kits arrived late."}, {"evidence", evidence}}}}},
                {"facet", "cooperation"}}.dump();
  };
  auto ok = http_call(ts.port(), http::verb::post, base + "/" + rid,
                      citing({{{"kind", "section"}, {"ref", "stage2"}}, {{"kind", "block"}, {"ref", "lesson1"}},
                              {{"kind", "block"}, {"ref", "lessongone"}}, {{"kind", "moment"}, {"ref", ops}}}), lib);
  ASSERT_EQ(ok.status, 200u) << ok.body.dump();
  EXPECT_EQ(ok.body["reflection"]["me"]["answers"]["what"]["evidence"].size(), 4u);

  const json unknown[] = {
      {{"kind", "section"}, {"ref", "stage9"}},  // not in the template
      {{"kind", "section"}, {"ref", "plan"}},    // a phase, not a section
      {{"kind", "block"}, {"ref", "nolesson"}},
      {{"kind", "moment"}, {"ref", ops + 1}},
  };
  auto before = stored_reflection(ts, rid);
  for (const auto& e : unknown) {
    // Alongside a valid reference, so one bad one is enough to refuse the whole save.
    for (const auto& cookie : {lib, tea}) {
      auto refused = http_call(ts.port(), http::verb::post, base + "/" + rid, citing({{{"kind", "section"}, {"ref", "stage1"}}, e}), cookie);
      EXPECT_EQ(refused.status, 404u) << e.dump() << refused.body.dump();
      EXPECT_EQ(refused.body["error"]["code"], "unknown_evidence") << e.dump();
      EXPECT_EQ(stored_reflection(ts, rid), before) << e.dump();  // the teacher has no row yet either
    }
  }
  EXPECT_EQ(count_rows(ts, "SELECT count(*) FROM reflection_answers WHERE user_id = " + std::to_string(ts.tea())), 0);
}

// Regression: a reflection's action items showed in every other unit of the partnership, older
// ones included. They belong in the partners' next units (made after the reflected one) and in
// its "use again next year" copy.
TEST(Reflection, ActionItemsReachOnlyUnitsMadeAfterTheReflectedOneAndItsCopy) {
  test_server ts;  // ts.unit() is the partners' older unit
  auto lib = sign_in(ts.port(), "lib"), tea = sign_in(ts.port(), "tea");
  auto partnership = http_call(ts.port(), http::verb::get, "/api/partnerships", "", lib).body["partnerships"][0]["id"];
  auto make = [&](const std::string& title) {
    return http_call(ts.port(), http::verb::post, "/api/units", json{{"partnership", partnership}, {"title", title}}.dump(), lib)
        .body["unit"]["id"].get<std::string>();
  };
  auto reflected = make("Reflected");
  auto base = "/api/units/" + reflected + "/reflections";
  auto rid = std::to_string(
      http_call(ts.port(), http::verb::post, base, R"({"kind":"unit","protocol":"plus-delta"})", lib).body["reflection"]["id"].get<int>());
  http_call(ts.port(), http::verb::post, base + "/" + rid, R"({"protocol":"plus-delta","answers":{"delta":{"text":"Book the lab earlier"}}})", lib);
  http_call(ts.port(), http::verb::post, base + "/" + rid, R"({"protocol":"plus-delta","answers":{"delta":{"text":"Shorter mini-lessons"}}})", tea);
  http_call(ts.port(), http::verb::post, base + "/" + rid + "/submit", "{}", lib);
  auto revealed = http_call(ts.port(), http::verb::post, base + "/" + rid + "/submit", "{}", tea);
  ASSERT_EQ(revealed.body["reflection"]["state"], "revealed") << revealed.body.dump();
  auto next = make("Next");
  auto copy = http_call(ts.port(), http::verb::post, "/api/units/" + reflected + "/duplicate", "{}", lib).body["unit"]["id"].get<std::string>();
  auto items = [&](const std::string& unit) {
    return http_call(ts.port(), http::verb::get, "/api/units/" + unit + "/action-items", "", tea).body["items"];
  };
  EXPECT_EQ(items(ts.unit()).size(), 0u) << items(ts.unit()).dump();  // older: never
  EXPECT_EQ(items(reflected).size(), 0u);
  ASSERT_EQ(items(next).size(), 2u);
  EXPECT_EQ(items(copy).size(), 2u);
  EXPECT_EQ(items(next)[0]["fromTitle"], "Reflected");
  // Nor can the older unit mark one done.
  auto item = std::to_string(items(next)[0]["id"].get<int>());
  auto older_done = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/action-items/" + item, R"({"done":true})", lib);
  EXPECT_EQ(older_done.status, 404u);
  EXPECT_EQ(older_done.body["error"]["code"], "unknown_item");
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/units/" + next + "/action-items/" + item, R"({"done":true})", lib).status, 200u);
}

// Regression (check-in action items skipped their own unit): what the partners said they would
// adjust after a lesson showed only in units made later, though the next lesson is in the same
// unit. A check-in's items now show in its own unit too (and still in later ones); the unit's
// end-of-unit reflection's items still go only to later units.
TEST(Reflection, LessonCheckinActionItemsShowInTheSameUnitButTheUnitReflectionsDoNot) {
  test_server ts;
  auto lib = sign_in(ts.port(), "lib"), tea = sign_in(ts.port(), "tea");
  {
    std::map<std::string, std::uint64_t> v;
    std::map<std::string, std::int64_t> len;
    unit_writer L(ts.port(), ts.unit(), "lib", v, len);
    L.cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonC1"}});
    L.append("lessonC1.title", u"Testing the creek water");
  }
  auto base = "/api/units/" + ts.unit() + "/reflections";
  auto answer_and_submit = [&](const std::string& rid, const std::string& protocol, const std::string& prompt, const std::string& lib_text,
                               const std::string& tea_text) {
    for (const auto& [cookie, text] : {std::pair{lib, lib_text}, std::pair{tea, tea_text}}) {
      auto saved = http_call(ts.port(), http::verb::post, base + "/" + rid,
                             json{{"protocol", protocol}, {"answers", {{prompt, {{"text", text}}}}}}.dump(), cookie);
      ASSERT_EQ(saved.status, 200u) << saved.body.dump();
    }
    http_call(ts.port(), http::verb::post, base + "/" + rid + "/submit", "", lib);
    auto revealed = http_call(ts.port(), http::verb::post, base + "/" + rid + "/submit", "", tea);
    ASSERT_EQ(revealed.body["reflection"]["state"], "revealed") << revealed.body.dump();
  };
  auto items = [&](const std::string& unit) {
    std::set<std::string> texts;
    auto reply = http_call(ts.port(), http::verb::get, "/api/units/" + unit + "/action-items", "", tea);
    EXPECT_EQ(reply.status, 200u) << reply.body.dump();
    for (const auto& i : reply.body["items"])
      texts.insert(i["text"].get<std::string>() + (i["done"].get<bool>() ? " (done)" : ""));
    return texts;
  };

  auto checkin = http_call(ts.port(), http::verb::post, base, R"({"kind":"checkin","protocol":"lesson-checkin","lesson":"lessonC1"})", tea);
  ASSERT_EQ(checkin.status, 201u) << checkin.body.dump();
  const auto& prompts = checkin.body["reflection"]["me"]["prompts"];
  ASSERT_EQ(ids(prompts), (std::vector<std::string>{"went_well", "adjust"}));
  EXPECT_EQ(prompts[0]["text"], "What went well in “Testing the creek water”?");  // {lesson} filled in
  EXPECT_TRUE(prompts[1]["action"].get<bool>());
  answer_and_submit(std::to_string(checkin.body["reflection"]["id"].get<int>()), "lesson-checkin", "adjust",
                    "- Bring more test kits\n", "Shorter demo at the start");
  EXPECT_EQ(items(ts.unit()), (std::set<std::string>{"Bring more test kits", "Shorter demo at the start"}));
  auto item = http_call(ts.port(), http::verb::get, "/api/units/" + ts.unit() + "/action-items", "", lib).body["items"][0];
  EXPECT_EQ(item["fromUnit"], ts.unit());
  auto done = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/action-items/" + std::to_string(item["id"].get<int>()),
                        R"({"done":true})", lib);
  ASSERT_EQ(done.status, 200u) << done.body.dump();
  std::string done_text = item["text"], open_text = done_text == "Bring more test kits" ? "Shorter demo at the start" : "Bring more test kits";
  EXPECT_EQ(items(ts.unit()), (std::set<std::string>{done_text + " (done)", open_text}));

  // The end-of-unit reflection's "Now what?" lines: not in this unit, only in the next one (with
  // the check-in's item still open; the one done here stays here).
  auto unit_reflection = http_call(ts.port(), http::verb::post, base, R"({"kind":"unit","protocol":"what-so-what-now-what"})", lib);
  ASSERT_EQ(unit_reflection.status, 201u) << unit_reflection.body.dump();
  answer_and_submit(std::to_string(unit_reflection.body["reflection"]["id"].get<int>()), "what-so-what-now-what", "now_what",
                    "Book the creek trip in September", "Order the kits in August");
  EXPECT_EQ(items(ts.unit()), (std::set<std::string>{done_text + " (done)", open_text}));
  auto partnership = http_call(ts.port(), http::verb::get, "/api/partnerships", "", lib).body["partnerships"][0]["id"];
  auto next = http_call(ts.port(), http::verb::post, "/api/units", json{{"partnership", partnership}, {"title", "Next"}}.dump(), lib)
                  .body["unit"]["id"].get<std::string>();
  EXPECT_EQ(items(next), (std::set<std::string>{open_text, "Book the creek trip in September", "Order the kits in August"}));
}

// Prompt selection on a real unit record: two partners write, plan a lesson, credit and
// acknowledge expertise and record outcomes over the WebSocket; the reflection that opens with
// the reflect phase gives each the prompts the record calls for, filled with this unit's values.
TEST(Reflection, PromptsForAScriptedUnitRecordAreChosenAndFilledFromIt) {
  test_server ts;
  {
    std::map<std::string, std::uint64_t> v;
    std::map<std::string, std::int64_t> len;
    unit_writer L(ts.port(), ts.unit(), "lib", v, len), T(ts.port(), ts.unit(), "tea", v, len);
    L.append("unit.goals", u"Students test creek water and explain what the data shows.");  // Stage 1: Lee 58
    T.replace("unit.goals", 14, 19, u"river");  // Tess revises Lee's sentence: Lee 53, Tess 5, shared
    T.append("unit.what_worked", u"Most teams compared two sites and used the data well.");  // Evidence: Tess 53
    L.cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonR1"}});
    L.set("begin_approach", "station", "lessonR1");
    T.set("middle_approach", "teaming", "lessonR1");
    T.cmd({{"op", "add_tag"}, {"id", "tagR0001"}, {"target", "stage1"}, {"area", "inquiry"}, {"by", ts.lib()}});
    T.cmd({{"op", "acknowledge_tag"}, {"id", "tagR0001"}});
    T.set("participants", 24);
    T.set("met_expectations", 20);
    T.set("phase", "reflect");
  }
  auto base = "/api/units/" + ts.unit() + "/reflections";
  auto mine = [&](const std::string& user) {
    auto list = http_call(ts.port(), http::verb::get, base, "", sign_in(ts.port(), user)).body["reflections"];
    EXPECT_EQ(list.size(), 1u);
    std::map<std::string, std::string> texts;
    for (const auto& p : list[0]["me"]["prompts"]) texts[p["id"]] = p["text"];
    return std::make_pair(prompt_ids(list[0]), texts);
  };
  // 58 + 53 characters in all, 53 of them Lee's: balanced, so no prompt about one-sided writing.
  auto [tess_ids, tess] = mine("tea");
  EXPECT_EQ(tess_ids, "what so_what now_what partner_shaped you_shaped learned approaches shared equals outcomes");
  EXPECT_EQ(tess["partner_shaped"], "Lee Librarian wrote most of “Stage 1 — Desired results”. What did you take from the way they approached it?");
  EXPECT_EQ(tess["you_shaped"], "You wrote most of “Evidence of learning”. What would you like Lee Librarian to add to it next time?");
  EXPECT_EQ(tess["learned"], "You noted learning about Inquiry process from Lee Librarian. Where will you use it next?");
  EXPECT_EQ(tess["approaches"], "You co-taught with Station teaching and Teaming. Which worked best for your students, and why?");
  EXPECT_EQ(tess["shared"], "You revised each other's writing in “Stage 1 — Desired results”. How did that change the plan?");
  EXPECT_EQ(tess["outcomes"], "20 of 24 students met or exceeded expectations. What do you make of that number?");
  auto [lee_ids, lee] = mine("lib");
  EXPECT_EQ(lee_ids, "what so_what now_what partner_shaped you_shaped taught approaches shared equals outcomes");
  EXPECT_EQ(lee["partner_shaped"], "Tess Teacher wrote most of “Evidence of learning”. What did you take from the way they approached it?");
  EXPECT_EQ(lee["you_shaped"], "You wrote most of “Stage 1 — Desired results”. What would you like Tess Teacher to add to it next time?");
  EXPECT_EQ(lee["taught"], "Tess Teacher noted learning about Inquiry process from you. How could you share more of it?");

  // Another protocol before anyone answers: its own record prompts, from the same record.
  auto rid = http_call(ts.port(), http::verb::get, base, "", sign_in(ts.port(), "tea")).body["reflections"][0]["id"].get<int>();
  ASSERT_EQ(http_call(ts.port(), http::verb::post, base + "/" + std::to_string(rid) + "/protocol", R"({"protocol":"after-action-review"})",
                      sign_in(ts.port(), "tea")).status, 200u);
  auto [aar_ids, aar] = mine("tea");
  EXPECT_EQ(aar_ids, "planned happened why next partner_shaped you_shaped learned approaches_planned shared equals outcomes_planned");
  EXPECT_EQ(aar["approaches_planned"],
            "You planned to co-teach with Station teaching and Teaming. Did the lessons run the way you planned them? Where did they not?");
  EXPECT_EQ(aar["outcomes_planned"], "20 of 24 students met or exceeded expectations. Is that the result you planned for? If not, why not?");
}
