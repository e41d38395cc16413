// Tests for unit_markdown: the export holds every filled field under its phase and section,
// lessons in order with their co-teaching plan, resources with who curated them.
#include <gtest/gtest.h>

#include "review/unit_markdown.hpp"

using namespace coplan;
using namespace coplan::unit;
using nlohmann::json;

TEST(UnitMarkdown, RendersPhasesSectionsLessonsAndResources) {
  auto spec = template_spec::load_file(std::string(COPLAN_SOURCE_DIR) + "/templates/ubd.json");
  unit_doc d(spec, {});
  d.set_initial_value("title", "Creek study");
  std::vector<std::shared_ptr<const text_update>> acc;
  auto type = [&](const std::string& stream, const std::u16string& s) {
    std::vector<incoming_update> one{{"c", 0, text::change_set::replace(0, 0, 0, s), ""}};
    d.push(stream, 0, std::move(one), 1, 0, acc);
  };
  auto cmd = [&](json j) { d.apply(command::from_json(j), "c", 0, 1, 0); };
  type("unit.understandings", u"Water connects us.");
  cmd({{"op", "set"}, {"block", "unit"}, {"field", "aasl"}, {"value", {"I.A.1", "IV.B.3"}}});
  cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonB"}});
  cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonA"}});  // goes first
  cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonC"}, {"after", "lessonB"}});
  cmd({{"op", "remove_block"}, {"id", "lessonC"}});
  type("lessonA.title", u"Sampling");
  type("lessonB.title", u"Sources");
  type("lessonB.middle_librarian", u"Database station");
  cmd({{"op", "set"}, {"block", "lessonB"}, {"field", "middle_approach"}, {"value", "station"}});
  cmd({{"op", "add_block"}, {"list", "resources"}, {"id", "res001"}, {"values", {{"kind", "book"}, {"curated_by", 2}}}});
  type("res001.title", u"Field guide");
  auto md = review::unit_markdown::render(d, {{1, "Lee", "librarian"}, {2, "Tess", "teacher"}});
  auto at = [&](const std::string& s) { return md.find(s); };
  EXPECT_EQ(md.rfind("# Creek study", 0), 0u) << md;
  EXPECT_NE(at("Planned together by Lee (librarian), Tess (teacher)."), std::string::npos);
  EXPECT_NE(at("**Understandings**\n\nWater connects us."), std::string::npos);
  EXPECT_NE(at("AASL learner standards: I.A.1, IV.B.3"), std::string::npos);
  EXPECT_LT(at("#### Lesson 1: Sampling"), at("#### Lesson 2: Sources"));
  EXPECT_EQ(md.find("Lesson 3"), std::string::npos);  // the removed lesson is not exported
  EXPECT_NE(at("Middle: approach: Station teaching"), std::string::npos);
  EXPECT_NE(at("**Middle: the librarian**\n\nDatabase station"), std::string::npos);
  EXPECT_NE(at("#### Resource 1: Field guide"), std::string::npos);
  EXPECT_NE(at("Curated by: Tess (teacher)"), std::string::npos);
  EXPECT_NE(at("Kind: Book"), std::string::npos);
}

TEST(UnitDocCopy, CopyForReuseKeepsThePlanAndDropsTheRecord) {
  auto spec = template_spec::load_file(std::string(COPLAN_SOURCE_DIR) + "/templates/ubd.json");
  unit_doc d(spec, {});
  std::vector<std::shared_ptr<const text_update>> acc;
  std::vector<incoming_update> one{{"c", 0, text::change_set::replace(0, 0, 0, u"Keep me"), ""}};
  d.push("unit.goals", 0, std::move(one), 7, 0, acc);
  d.apply(command::from_json({{"op", "set"}, {"block", "unit"}, {"field", "grade"}, {"value", "7"}}), "c", 0, 1, 0);
  d.apply(command::from_json({{"op", "set"}, {"block", "unit"}, {"field", "participants"}, {"value", 20}}), "c", 0, 1, 0);
  d.apply(command::from_json({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson1"}}), "c", 0, 1, 0);
  d.apply(command::from_json({{"op", "add_block"}, {"list", "lessons"}, {"id", "lesson2"}}), "c", 0, 1, 0);
  d.apply(command::from_json({{"op", "remove_block"}, {"id", "lesson2"}}), "c", 0, 1, 0);
  d.apply(command::from_json({{"op", "add_comment"}, {"id", "comment1"}, {"target", "unit"}, {"text", "x"}}), "c", 0, 1, 0);
  auto c = d.copy_for_reuse();
  EXPECT_EQ(c.find_stream("unit.goals")->text.to_utf8(), "Keep me");
  EXPECT_EQ(c.find_stream("unit.goals")->version, 0u);
  EXPECT_EQ(c.find_stream("unit.goals")->authors.length_by(7), 7u);
  EXPECT_EQ(c.unit_values().at("grade"), "7");
  EXPECT_FALSE(c.unit_values().count("participants"));
  EXPECT_EQ(c.list("lessons").size(), 1u);
  EXPECT_FALSE(c.find_stream("lesson2.title"));
  EXPECT_TRUE(c.comments().empty());
  EXPECT_EQ(c.structure_version(), 0u);
}
