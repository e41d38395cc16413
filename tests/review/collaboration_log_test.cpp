// The collaboration log, its CSV, the coordinator's counts and student notes, against a scripted
// set of three units written through a real server (values, lessons, approaches, standards, text
// by each partner, an expertise tag, an agreed reflection). Every expected figure is worked out by
// hand from the script below, not by calling the server's code; the CSV must start with a UTF-8
// byte-order mark and is read back with the test's own RFC 4180 parser (the browser test reads it
// with csv-parse). Also: the annual report and printed unit pages are in the audit log as exports
// (that deleted student notes leave no trace in the files is in tests/store/student_note_store_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

#include "store/database.hpp"
#include "support/test_server.hpp"
#include "support/unit_writer.hpp"
#include "text/change_set.hpp"

using namespace coplan;
using namespace coplan::test_support;
using nlohmann::json;

namespace {

// The log's CSV: a UTF-8 byte-order mark, then RFC 4180: records end in CRLF, fields are separated
// by commas, a quoted field may hold commas, CR, LF and doubled quotes.
std::vector<std::vector<std::string>> parse_csv(std::string s) {
  // Regression: without the mark spreadsheets read the file in a legacy code page and garbled
  // accented names.
  EXPECT_EQ(s.substr(0, 3), "\xEF\xBB\xBF") << "no UTF-8 byte-order mark";
  if (s.rfind("\xEF\xBB\xBF", 0) == 0) s.erase(0, 3);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, was_quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      EXPECT_TRUE(field.empty()) << "a quote inside an unquoted field";
      quoted = was_quoted = true;
    } else if (c == ',') {
      row.push_back(field), field.clear(), was_quoted = false;
    } else if (c == '\r') {
      EXPECT_TRUE(i + 1 < s.size() && s[i + 1] == '\n') << "a bare CR";
    } else if (c == '\n') {
      row.push_back(field), field.clear(), was_quoted = false;
      rows.push_back(row), row.clear();
    } else {
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quote";
  if (!field.empty() || !row.empty() || was_quoted) row.push_back(field), rows.push_back(row);
  return rows;
}

struct scripted_log {
  std::string a, b, c;  // unit ids
  std::int64_t gus = 0, hillside = 0, riverside = 0;
};

// The script. Unit A (Lee & Tess, school year 2024-25, agreed "integrated instruction"), unit B
// (Lee & Tess, 2024-25, a title with a comma and quotes), unit C (Lee & Gus, 2023-24).
scripted_log run_script(test_server& ts) {
  scripted_log s;
  auto& accounts = ts.server().accounts();
  s.gus = accounts.create_user("gus", "Gus Grade", "teacher", ts.server().hasher().hash("correct horse"));
  s.hillside = accounts.create_school("Hillside Middle");
  s.riverside = accounts.create_school("Riverside Elementary");
  accounts.set_user_school(ts.tea(), s.hillside);
  accounts.set_user_school(s.gus, s.riverside);
  auto coord = accounts.create_user("coord", "Cora Coordinator", "coordinator", ts.server().hasher().hash("correct horse"));
  accounts.assign_coordinator(coord, s.hillside);
  auto p2 = accounts.create_partnership("Lee & Gus", {ts.lib(), s.gus});
  s.a = ts.unit();
  auto lib = sign_in(ts.port(), "lib");
  auto parts = http_call(ts.port(), http::verb::get, "/api/partnerships", "", lib).body["partnerships"];
  std::int64_t p1 = 0;
  for (const auto& p : parts)
    if (p["id"] != p2) p1 = p["id"].get<std::int64_t>();
  s.b = http_call(ts.port(), http::verb::post, "/api/units", json{{"partnership", p1}, {"title", "B"}}.dump(), lib)
            .body["unit"]["id"].get<std::string>();
  s.c = http_call(ts.port(), http::verb::post, "/api/units", json{{"partnership", p2}, {"title", "Water cycle"}}.dump(), lib)
            .body["unit"]["id"].get<std::string>();

  {  // Unit A.
    std::map<std::string, std::uint64_t> v;
    std::map<std::string, std::int64_t> len;
    unit_writer L(ts.port(), s.a, "lib", v, len), T(ts.port(), s.a, "tea", v, len);
    T.set("grade", "5");
    T.set("subject", "Science");
    L.set("course", "5B");
    L.set("students", 24);
    T.set("start_date", "2024-09-09");
    T.set("end_date", "2024-10-18");
    L.set("aasl", json::array({"IV.B.3", "I.A.1"}));
    T.append("unit.goals", u"Water study");        // plan: Tess 11
    L.append("unit.goals", u" with data");         // plan: Lee 10
    L.cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonA1"}});
    T.cmd({{"op", "add_block"}, {"list", "lessons"}, {"id", "lessonA2"}, {"after", "lessonA1"}});
    L.set("begin_approach", "station", "lessonA1");
    T.set("middle_approach", "teaming", "lessonA1");
    T.set("begin_approach", "parallel", "lessonA2");
    L.append("lessonA1.notes", u"Stations");        // teach: Lee 8
    T.append("unit.what_worked", u"Good");          // assess: Tess 4
    T.set("participants", 24);
    T.set("met_expectations", 20);
    T.set("phase", "assess");
    T.cmd({{"op", "add_tag"}, {"id", "tagA0001"}, {"target", "stage1"}, {"area", "inquiry"}, {"by", ts.lib()}});
    T.cmd({{"op", "acknowledge_tag"}, {"id", "tagA0001"}});
  }
  {  // Unit B.
    std::map<std::string, std::uint64_t> v;
    std::map<std::string, std::int64_t> len;
    unit_writer T(ts.port(), s.b, "tea", v, len);
    T.set("title", "Maps, \"borders\" and us");
    T.set("grade", "6");
    T.set("subject", "History");
    T.set("students", 30);
    T.set("start_date", "2025-02-03");
    T.set("aasl", json::array({"I.A.1"}));
    T.set("phase", "teach");
    T.append("unit.goals", u"Maps");  // plan: Tess 4
  }
  {  // Unit C.
    std::map<std::string, std::uint64_t> v;
    std::map<std::string, std::int64_t> len;
    unit_writer G(ts.port(), s.c, "gus", v, len);
    G.set("grade", "5");
    G.set("subject", "Science");
    G.set("course", "=SUM(A1)");
    G.set("students", 20);
    G.set("start_date", "2023-10-01");
  }
  // A's reflection: both submit, both agree on integrated instruction.
  auto tea = sign_in(ts.port(), "tea");
  auto base = "/api/units/" + s.a + "/reflections";
  auto rid = http_call(ts.port(), http::verb::post, base, R"({"kind":"unit","protocol":"plus-delta"})", lib).body["reflection"]["id"];
  auto rpath = base + "/" + std::to_string(rid.get<int>());
  EXPECT_EQ(http_call(ts.port(), http::verb::post, rpath + "/submit", "{}", lib).status, 200u);
  EXPECT_EQ(http_call(ts.port(), http::verb::post, rpath + "/submit", "{}", tea).status, 200u);
  EXPECT_EQ(http_call(ts.port(), http::verb::post, rpath + "/agree", R"({"facet":"integrated_instruction"})", lib).status, 200u);
  auto agreed = http_call(ts.port(), http::verb::post, rpath + "/agree", R"({"facet":"integrated_instruction"})", tea);
  EXPECT_EQ(agreed.body["reflection"]["agreed"], "integrated_instruction") << agreed.body.dump();
  return s;
}

json get(test_server& ts, const std::string& user, const std::string& path) {
  auto r = http_call(ts.port(), http::verb::get, path, "", sign_in(ts.port(), user));
  EXPECT_EQ(r.status, 200u) << path << " " << r.body.dump();
  return r.body;
}

std::vector<std::string> ids_of(const json& log) {
  std::vector<std::string> out;
  for (const auto& r : log["rows"]) out.push_back(r["id"].get<std::string>());
  return out;
}

std::string raw_get(test_server& ts, const std::string& user, const std::string& path, std::string* content_type = nullptr) {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream s(ioc);
  s.connect(boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), ts.port()));
  http::request<http::string_body> req{http::verb::get, path, 11};
  req.set(http::field::host, "127.0.0.1");
  req.set(http::field::cookie, sign_in(ts.port(), user));
  http::write(s, req);
  boost::beast::flat_buffer b;
  http::response<http::string_body> res;
  http::read(s, b, res);
  EXPECT_EQ(res.result_int(), 200u) << path;
  if (content_type) *content_type = std::string(res[http::field::content_type]);
  return res.body();
}

}  // namespace

TEST(CollaborationLog, RowsAndTotalsMatchTheScript) {
  test_server ts;
  auto s = run_script(ts);
  auto log = get(ts, "lib", "/api/log");
  // Newest start first.
  EXPECT_EQ(ids_of(log), (std::vector<std::string>{s.b, s.a, s.c}));
  const auto& a = log["rows"][1];
  EXPECT_EQ(a["title"], "Test unit");
  EXPECT_EQ(a["schoolYear"], "2024-25");
  EXPECT_EQ(a["startDate"], "2024-09-09");
  EXPECT_EQ(a["endDate"], "2024-10-18");
  EXPECT_EQ(a["partners"].size(), 1u);
  EXPECT_EQ(a["partners"][0]["name"], "Tess Teacher");
  EXPECT_EQ(a["grade"], "5");
  EXPECT_EQ(a["subject"], "Science");
  EXPECT_EQ(a["course"], "5B");
  EXPECT_EQ(a["students"], 24);
  EXPECT_EQ(a["phase"], "assess");
  // The agreed reflection completes every phase.
  EXPECT_EQ(a["phasesCompleted"], json::array({"plan", "teach", "assess", "reflect"}));
  EXPECT_EQ(a["lessons"], 2);
  EXPECT_EQ(a["approaches"], (json{{"station", 1}, {"teaming", 1}, {"parallel", 1}}));
  EXPECT_EQ(a["standards"], json::array({"I.A.1", "IV.B.3"}));
  EXPECT_EQ(a["depth"], "integrated_instruction");
  EXPECT_EQ(a["depthLabel"], "Integrated instruction");
  auto L = std::to_string(ts.lib()), T = std::to_string(ts.tea());
  std::map<std::string, json> balance;
  for (const auto& b : a["balance"]) balance[b["phase"].get<std::string>()] = b["byUser"];
  EXPECT_EQ(balance["plan"], (json{{L, 10}, {T, 11}}));
  EXPECT_EQ(balance["teach"], (json{{L, 8}, {T, 0}}));
  EXPECT_EQ(balance["assess"], (json{{L, 0}, {T, 4}}));
  EXPECT_EQ(a["expertise"][L]["brought"], (json{{"Inquiry process", 1}}));
  EXPECT_EQ(a["expertise"][T]["learned"], (json{{"Inquiry process", 1}}));
  EXPECT_EQ(a["expertise"][T]["brought"], json::object());
  EXPECT_EQ(a["outcomes"], (json{{"participants", 24}, {"metExpectations", 20}}));

  const auto& b = log["rows"][0];
  EXPECT_EQ(b["title"], "Maps, \"borders\" and us");
  EXPECT_EQ(b["schoolYear"], "2024-25");  // February belongs to the year that began in August
  EXPECT_EQ(b["phasesCompleted"], json::array({"plan"}));
  EXPECT_EQ(b["depth"], nullptr);
  const auto& c = log["rows"][2];
  EXPECT_EQ(c["schoolYear"], "2023-24");
  EXPECT_EQ(c["partners"][0]["name"], "Gus Grade");
  EXPECT_EQ(c["phasesCompleted"], json::array());
  EXPECT_EQ(c["outcomes"]["participants"], nullptr);

  const auto& t = log["totals"];
  EXPECT_EQ(t["units"], 3);
  EXPECT_EQ(t["lessons"], 2);
  EXPECT_EQ(t["students"], 24 + 30 + 20);
  EXPECT_EQ(t["participants"], 24);
  EXPECT_EQ(t["metExpectations"], 20);
  EXPECT_EQ(t["partners"], 2);
  EXPECT_EQ(t["approaches"], (json{{"station", 1}, {"teaming", 1}, {"parallel", 1}}));
  EXPECT_EQ(t["standards"], (json{{"I.A.1", 2}, {"IV.B.3", 1}}));
  EXPECT_EQ(t["depth"], (json{{"integrated_instruction", 1}, {"not_agreed", 2}}));
  EXPECT_EQ(t["grades"], (json{{"5", 2}, {"6", 1}}));
  EXPECT_EQ(t["subjects"], (json{{"Science", 2}, {"History", 1}}));
  EXPECT_EQ(t["phasesCompleted"], (json{{"plan", 2}, {"teach", 1}, {"assess", 1}, {"reflect", 1}}));
  EXPECT_EQ(t["balance"]["plan"]["byRole"], (json{{"librarian", 10}, {"teacher", 15}}));
  EXPECT_EQ(t["balance"]["teach"]["byRole"], (json{{"librarian", 8}, {"teacher", 0}}));
  EXPECT_EQ(t["balance"]["assess"]["byRole"], (json{{"librarian", 0}, {"teacher", 4}}));
  EXPECT_EQ(log["options"]["years"], json::array({"2024-25", "2023-24"}));
  EXPECT_EQ(log["options"]["partners"].size(), 2u);

  // Filters.
  EXPECT_EQ(ids_of(get(ts, "lib", "/api/log?year=2024-25")), (std::vector<std::string>{s.b, s.a}));
  EXPECT_EQ(ids_of(get(ts, "lib", "/api/log?grade=5")), (std::vector<std::string>{s.a, s.c}));
  EXPECT_EQ(ids_of(get(ts, "lib", "/api/log?subject=science")), (std::vector<std::string>{s.a, s.c}));
  EXPECT_EQ(ids_of(get(ts, "lib", "/api/log?partner=" + std::to_string(s.gus))), (std::vector<std::string>{s.c}));
  EXPECT_EQ(ids_of(get(ts, "lib", "/api/log?year=2024-25&subject=History")), (std::vector<std::string>{s.b}));
  auto filtered = get(ts, "lib", "/api/log?year=2023-24");
  EXPECT_EQ(filtered["totals"]["students"], 20);
  EXPECT_EQ(filtered["options"]["years"].size(), 2u);  // options come from every unit
  // The teacher's own log: her two units, with Lee as the partner.
  auto tess = get(ts, "tea", "/api/log");
  EXPECT_EQ(ids_of(tess), (std::vector<std::string>{s.b, s.a}));
  EXPECT_EQ(tess["rows"][1]["partners"][0]["name"], "Lee Librarian");
  EXPECT_EQ(tess["totals"]["partners"], 1);
  // Someone with no units sees an empty log; a bad partner id is refused.
  EXPECT_EQ(get(ts, "out", "/api/log")["rows"].size(), 0u);
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/log?partner=x", "", sign_in(ts.port(), "lib")).status, 400u);
}

TEST(CollaborationLog, CsvIsRfc4180WithTheExpectedRows) {
  test_server ts;
  auto s = run_script(ts);
  std::string type;
  auto csv = raw_get(ts, "lib", "/api/log.csv", &type);
  EXPECT_EQ(type.rfind("text/csv", 0), 0u);
  auto rows = parse_csv(csv);
  ASSERT_EQ(rows.size(), 4u) << csv;
  std::map<std::string, std::size_t> col;
  for (std::size_t i = 0; i < rows[0].size(); ++i) col[rows[0][i]] = i;
  for (const auto& r : rows) EXPECT_EQ(r.size(), rows[0].size());
  for (const char* h : {"School year", "Unit", "Partners", "Grade", "Subject", "Course", "Students", "Phases completed",
                        "Co-teaching approaches (Friend & Cook)", "AASL standards", "Depth of collaboration (Montiel-Overall)",
                        "Co-plan balance", "Co-teach balance", "Expertise brought", "Expertise learned",
                        "Students taking part", "Students who met expectations"})
    ASSERT_TRUE(col.count(h)) << h;
  auto& b = rows[1];
  auto& a = rows[2];
  auto& c = rows[3];
  EXPECT_EQ(b[col["Unit"]], "Maps, \"borders\" and us");
  EXPECT_EQ(a[col["Unit"]], "Test unit");
  EXPECT_EQ(a[col["School year"]], "2024-25");
  EXPECT_EQ(a[col["Starts"]], "2024-09-09");
  EXPECT_EQ(a[col["Partners"]], "Tess Teacher");
  EXPECT_EQ(a[col["Students"]], "24");
  EXPECT_EQ(a[col["Phases completed"]], "Plan; Teach; Assess; Reflect");
  EXPECT_EQ(a[col["Lessons"]], "2");
  EXPECT_EQ(a[col["Co-teaching approaches (Friend & Cook)"]], "Parallel teaching (1); Station teaching (1); Teaming (1)");
  EXPECT_EQ(a[col["AASL standards"]], "I.A.1; IV.B.3");
  EXPECT_EQ(a[col["Depth of collaboration (Montiel-Overall)"]], "Integrated instruction");
  // 10 of 21 characters = 47.6 % → 48 %; 11 of 21 = 52.4 % → 52 %.
  EXPECT_EQ(a[col["Co-plan balance"]], "Lee Librarian 48%; Tess Teacher 52%");
  EXPECT_EQ(a[col["Co-teach balance"]], "Lee Librarian 100%; Tess Teacher 0%");
  EXPECT_EQ(a[col["Co-assess balance"]], "Lee Librarian 0%; Tess Teacher 100%");
  EXPECT_EQ(a[col["Expertise brought"]], "Lee Librarian: Inquiry process");
  EXPECT_EQ(a[col["Expertise learned"]], "Tess Teacher: Inquiry process");
  EXPECT_EQ(a[col["Students taking part"]], "24");
  EXPECT_EQ(a[col["Students who met expectations"]], "20");
  EXPECT_EQ(c[col["Partners"]], "Gus Grade");
  EXPECT_EQ(c[col["Course"]], "'=SUM(A1)");  // not run as a formula by a spreadsheet
  EXPECT_EQ(c[col["Co-plan balance"]], "");   // nothing written
  EXPECT_EQ(c[col["Students taking part"]], "");
  // Filters apply to the CSV too.
  EXPECT_EQ(parse_csv(raw_get(ts, "lib", "/api/log.csv?year=2023-24")).size(), 2u);
}

TEST(CollaborationLog, CoordinatorsSeeCountsForTheirSchoolsOnly) {
  test_server ts;
  auto s = run_script(ts);
  auto coord = sign_in(ts.port(), "coord");
  auto r = http_call(ts.port(), http::verb::get, "/api/coordinator/summary", "", coord);
  ASSERT_EQ(r.status, 200u) << r.body.dump();
  // Hillside (Tess's school) only: units A and B.
  ASSERT_EQ(r.body["schools"].size(), 1u);
  const auto& h = r.body["schools"][0];
  EXPECT_EQ(h["name"], "Hillside Middle");
  EXPECT_EQ(h["units"], 2);
  EXPECT_EQ(h["partnerships"], 1);
  EXPECT_EQ(h["teachersReached"], 1);
  EXPECT_EQ(h["librarians"], 1);
  EXPECT_EQ(h["students"], 54);
  EXPECT_EQ(h["lessons"], 2);
  EXPECT_EQ(h["grades"], (json{{"5", 1}, {"6", 1}}));
  EXPECT_EQ(h["subjects"], (json{{"Science", 1}, {"History", 1}}));
  EXPECT_EQ(h["depth"], (json{{"integrated_instruction", 1}, {"not_agreed", 1}}));
  EXPECT_EQ(h["outcomes"], (json{{"participants", 24}, {"metExpectations", 20}}));
  EXPECT_EQ(r.body["all"]["units"], 2);
  // Counts only: no titles, names or texts.
  auto dump = r.body.dump();
  for (const char* secret : {"Test unit", "Maps", "Water", "Lee", "Tess", "Gus", "Stations", "Good", s.a.c_str()})
    EXPECT_EQ(dump.find(secret), std::string::npos) << secret;
  // Drafts, reflections, student notes, history and exports of units in their school: refused.
  for (const auto& path : {"/reflections", "/student-notes", "/history", "/history/1", "/blame", "/contributions", "/export.md", ""}) {
    auto refused = http_call(ts.port(), http::verb::get, "/api/units/" + s.a + path, "", coord);
    EXPECT_EQ(refused.status, 404u) << path;
    EXPECT_EQ(refused.body["error"]["code"], "unknown_unit") << path;
  }
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/log", "", coord).body["rows"].size(), 0u);
  // Partners are not coordinators.
  EXPECT_EQ(http_call(ts.port(), http::verb::get, "/api/coordinator/summary", "", sign_in(ts.port(), "lib")).status, 403u);
}

TEST(CollaborationLog, StudentNotesStayWithMembersAndAreDeletedForGood) {
  test_server ts;
  auto s = run_script(ts);
  auto lib = sign_in(ts.port(), "lib"), tea = sign_in(ts.port(), "tea");
  auto base = "/api/units/" + s.a + "/student-notes";
  // Off by default: counts only.
  EXPECT_EQ(http_call(ts.port(), http::verb::get, base, "", lib).body["enabled"], false);
  auto off = http_call(ts.port(), http::verb::post, base, R"({"text":"Sam needs help citing"})", lib);
  EXPECT_EQ(off.status, 409u);
  EXPECT_EQ(off.body["error"]["code"], "notes_off");
  EXPECT_EQ(http_call(ts.port(), http::verb::post, base + "/settings", R"({"enabled":true})", tea).status, 200u);
  auto made = http_call(ts.port(), http::verb::post, base, R"({"text":"Sam needs help citing"})", lib);
  ASSERT_EQ(made.status, 201u) << made.body.dump();
  auto list = http_call(ts.port(), http::verb::get, base, "", tea).body;
  ASSERT_EQ(list["notes"].size(), 1u);
  EXPECT_EQ(list["notes"][0]["text"], "Sam needs help citing");
  // Not in any report or export, and never in the op log or snapshots.
  for (const auto& [user, path] : std::vector<std::pair<std::string, std::string>>{
           {"lib", "/api/log"}, {"lib", "/api/log.csv"}, {"tea", "/api/units/" + s.a + "/export.md"},
           {"coord", "/api/coordinator/summary"}})
    EXPECT_EQ(raw_get(ts, user, path).find("Sam needs"), std::string::npos) << path;
  auto count = [&](const std::string& sql) {
    store::database db(ts.dir().file("coplan.db"), {});
    auto st = db.prepare(sql);
    st.step();
    return st.int64(0);
  };
  EXPECT_EQ(count("SELECT count(*) FROM oplog WHERE payload LIKE '%Sam needs%'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM snapshots WHERE data LIKE '%Sam needs%'"), 0);
  // Others: refused like a unit that does not exist.
  for (const char* who : {"out", "coord"})
    EXPECT_EQ(http_call(ts.port(), http::verb::get, base, "", sign_in(ts.port(), who)).status, 404u) << who;
  // Deleted for good.
  auto id = made.body["note"]["id"].get<std::int64_t>();
  auto del = http_call(ts.port(), http::verb::delete_, base + "/" + std::to_string(id), "", tea);
  EXPECT_EQ(del.status, 200u) << del.body.dump();
  EXPECT_EQ(del.body["notes"].size(), 0u);
  EXPECT_EQ(count("SELECT count(*) FROM student_notes"), 0);
  EXPECT_EQ(http_call(ts.port(), http::verb::delete_, base + "/" + std::to_string(id), "", tea).status, 404u);
  http_call(ts.port(), http::verb::post, base, R"({"text":"one"})", lib);
  http_call(ts.port(), http::verb::post, base, R"({"text":"two"})", lib);
  EXPECT_EQ(http_call(ts.port(), http::verb::delete_, base, "", lib).body["notes"].size(), 0u);
  EXPECT_EQ(count("SELECT count(*) FROM student_notes"), 0);
}

// The annual report and a printed unit page are exports, recorded in the audit log like the
// Markdown and the CSV.
TEST(CollaborationLog, AnnualReportAndPrintedUnitPagesAreRecordedAsExports) {
  test_server ts;
  auto lib = sign_in(ts.port(), "lib"), out = sign_in(ts.port(), "out");
  auto report = http_call(ts.port(), http::verb::get, "/api/report?year=2024-25", "", lib);
  ASSERT_EQ(report.status, 200u) << report.body.dump();
  EXPECT_EQ(report.body["filters"]["year"], "2024-25");
  EXPECT_EQ(report.body["rows"], get(ts, "lib", "/api/log?year=2024-25")["rows"]);
  auto printed = http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/print", "{}", lib);
  ASSERT_EQ(printed.status, 200u) << printed.body.dump();
  EXPECT_EQ(http_call(ts.port(), http::verb::post, "/api/units/" + ts.unit() + "/print", "{}", out).status, 404u);
  std::vector<json> exports;
  for (const auto& e : ts.server().accounts().audit_log(50))
    if (e.action == "export") exports.push_back(json{{"user", e.username}, {"detail", json::parse(e.detail)}});
  EXPECT_EQ(exports.size(), 2u);  // the outsider's refused print is not one
  auto has = [&](const json& detail) {
    return std::any_of(exports.begin(), exports.end(), [&](const json& e) { return e["user"] == "lib" && e["detail"] == detail; });
  };
  EXPECT_TRUE(has({{"format", "annual-report"}, {"year", "2024-25"}}));
  EXPECT_TRUE(has({{"format", "print"}, {"unit", ts.unit()}}));
}
