// Keeps the docs honest: every field of every template is listed in docs/unit-template.md, and
// every error code the server can send is explained in docs/protocol.md.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "unit/template_spec.hpp"

namespace {
std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

TEST(Docs, UnitTemplateDocListsEveryFieldOfEveryTemplate) {
  auto doc = read(std::string(COPLAN_SOURCE_DIR) + "/docs/unit-template.md");
  auto set = coplan::unit::template_set::load_dir(std::string(COPLAN_SOURCE_DIR) + "/templates");
  EXPECT_GE(set->all().size(), 3u);
  for (const auto& [id, t] : set->all()) {
    EXPECT_NE(doc.find("`" + id + "`"), std::string::npos) << "template " << id;
    for (const auto& f : t->unit_fields()) EXPECT_NE(doc.find("`" + f.id + "`"), std::string::npos) << id << ": " << f.id;
    for (const auto& [lid, l] : t->lists()) {
      EXPECT_NE(doc.find("`" + lid + "`"), std::string::npos) << id << ": list " << lid;
      for (const auto& f : l.fields) EXPECT_NE(doc.find("`" + f.id + "`"), std::string::npos) << id << ": " << lid << "." << f.id;
    }
  }
}

TEST(Docs, ProtocolDocExplainsEveryErrorCode) {
  auto doc = read(std::string(COPLAN_SOURCE_DIR) + "/docs/protocol.md");
  std::regex code_re(R"rx((?:coded_error|wire::error)\("([a-z_]+)"|error_response\([^,]+,[^,]+,\s*"([a-z_]+)")rx");
  std::set<std::string> codes;
  for (const auto& e : std::filesystem::recursive_directory_iterator(std::string(COPLAN_SOURCE_DIR) + "/src")) {
    if (e.path().extension() != ".cpp") continue;
    auto text = read(e.path());
    for (std::sregex_iterator it(text.begin(), text.end(), code_re), end; it != end; ++it)
      codes.insert((*it)[1].matched ? (*it)[1].str() : (*it)[2].str());
  }
  EXPECT_GT(codes.size(), 10u);
  for (const auto& c : codes) EXPECT_NE(doc.find("`" + c + "`"), std::string::npos) << c << " is not in docs/protocol.md";
}
