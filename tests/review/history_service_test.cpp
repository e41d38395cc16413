// The history's list of ops (history_service) read from the op digests the writer stores with its
// snapshots: the timeline is exactly the op log's, however the digests stand (complete, overlapping
// ops already listed, one missing, one damaged, none), and the digests really are what is read.
#include <gtest/gtest.h>

#include "review/history_service.hpp"
#include "store/account_store.hpp"
#include "store/op_log_writer.hpp"
#include "support/temp_dir.hpp"
#include "support/writer_calls.hpp"
#include "text/change_set.hpp"
#include "unit/unit_doc.hpp"

using namespace coplan;
using nlohmann::json;
using test_support::append_and_wait;
using test_support::snapshot_and_wait;

namespace {

// 2025-03-10T00:00:00Z
constexpr std::int64_t hs_day0 = 1741564800000;
constexpr std::int64_t hs_hour = 3600 * 1000;

struct hs_fixture {
  test_support::temp_dir dir;
  store::store db{dir.file("h.db"), {}};
  store::op_log_writer writer{dir.file("h.db"), {}};
  store::account_store accounts{db};
  std::shared_ptr<const unit::template_set> templates =
      unit::template_set::load_dir(std::string(COPLAN_SOURCE_DIR) + "/templates");
  std::int64_t lib = 0, teacher = 0, unit_a = 0, unit_b = 0;
  // Unit A's script: per op, its time and author, and the row id it got.
  std::vector<std::int64_t> times, ids;
  std::vector<std::uint32_t> authors;
  std::int64_t goals_len = 0;
  std::uint64_t goals_version = 0, b_version = 0;
  std::string text;

  hs_fixture() {
    lib = accounts.create_user("maya", "Maya", "librarian", "x");
    teacher = accounts.create_user("dan", "Dan", "teacher", "x");
    auto p = accounts.create_partnership("p", {lib, teacher});
    unit::unit_doc fresh(templates->find("ubd"), {});
    unit_a = accounts.create_unit("unitaaaa", p, "ubd", "A", lib, {lib, teacher}, fresh.to_json().dump(), 0);
    unit_b = accounts.create_unit("unitbbbb", p, "ubd", "B", lib, {lib, teacher}, fresh.to_json().dump(), 0);
  }
  // Op number n (from 1) of unit A: the phase set to "teach" at op 12, else one letter appended to
  // the goals; each with one op of unit B committed with it.
  void op(int n) {
    auto time = hs_day0 + n * 2 * hs_hour;
    auto author = static_cast<std::uint32_t>(n % 3 == 0 ? teacher : lib);
    store::op_row row;
    if (n == 12) {
      row = {0, unit_a, 1, "", 0, author, "c", static_cast<std::uint64_t>(n), time,
             R"({"op":"set","block":"unit","field":"phase","value":"teach"})"};
    } else {
      char c = static_cast<char>('a' + n % 26);
      auto change = text::change_set::replace(goals_len, goals_len, goals_len, std::u16string(1, static_cast<char16_t>(c)));
      row = {0, unit_a, 0, "unit.goals", goals_version++, author, "c", static_cast<std::uint64_t>(n), time, change.to_json().dump()};
      ++goals_len;
      text += c;
    }
    auto b_change = text::change_set::replace(static_cast<std::int64_t>(b_version), static_cast<std::int64_t>(b_version),
                                              static_cast<std::int64_t>(b_version), u"z");
    store::op_row b_row{0, unit_b, 0, "unit.goals", b_version, static_cast<std::uint32_t>(lib), "b", b_version + 1, time,
                        b_change.to_json().dump()};
    ++b_version;
    std::int64_t last = 0;
    ASSERT_TRUE(append_and_wait(writer, {row, b_row}, &last));
    ids.push_back(last - 1);
    times.push_back(time);
    authors.push_back(author);
  }
  void snapshot(std::int64_t unit, std::uint64_t ops, std::int64_t upto) {
    // Only kept snapshots are read by the history; this one's data is never read here.
    ASSERT_TRUE(snapshot_and_wait(writer, {unit, upto, ops, 0, "{}"}));
  }
  store::unit_record record() { return *accounts.unit_by_public_id("unitaaaa"); }
  json timeline_of_a_fresh_service() {
    review::history_service h(db, templates, {});
    return h.timeline(record());
  }
  // The timeline computed from the script itself.
  json expected() const {
    json days = json::array();
    for (std::size_t i = 0; i < times.size(); ++i) {
      auto day = review::history_service::day_of(times[i]);
      if (days.empty() || days.back()["day"] != day)
        days.push_back({{"day", day}, {"first", i + 1}, {"last", i + 1}, {"byUser", json::object()}});
      days.back()["last"] = i + 1;
      auto& n = days.back()["byUser"][std::to_string(authors[i])];
      n = n.is_null() ? 1 : n.get<int>() + 1;
    }
    json phases = json::array();
    if (times.size() >= 12)
      phases.push_back({{"op", 12}, {"time", times[11]}, {"author", authors[11]}, {"from", nullptr}, {"to", "teach"}});
    return {{"ops", times.size()},
            {"firstTime", times.front()},
            {"lastTime", times.back()},
            {"days", days},
            {"slots", review::history_service::quarter_hours(times)},
            {"checkpoints", json::array({0})},
            {"phases", phases}};
  }
  std::int64_t digests_of_a() {
    auto c = db.borrow();
    auto st = c->prepare("SELECT count(*) FROM op_digests WHERE unit_id = ?");
    st.bind(1, unit_a);
    st.step();
    return st.int64(0);
  }
  void exec(const std::string& sql) { db.borrow()->exec(sql); }
};

}  // namespace

TEST(HistoryService, ListsTheUnitsOpsFromItsDigestsExactlyAsTheOpLogHasThem) {
  hs_fixture f;
  for (int n = 1; n <= 25; ++n) {
    f.op(n);
    if (n == 10 || n == 20) f.snapshot(f.unit_a, static_cast<std::uint64_t>(n), f.ids.back());
    if (n == 15) f.snapshot(f.unit_b, 15, f.ids.back() + 1);
  }
  ASSERT_EQ(f.digests_of_a(), 2);
  // A service that has listed ops 21-25 from the op log, and then meets a digest of ops 21-30.
  review::history_service warm(f.db, f.templates, {});
  EXPECT_EQ(warm.timeline(f.record()), f.expected());
  for (int n = 26; n <= 30; ++n) f.op(n);
  f.snapshot(f.unit_a, 30, f.ids.back());
  ASSERT_EQ(f.digests_of_a(), 3);
  EXPECT_EQ(warm.timeline(f.record()), f.expected());
  EXPECT_EQ(f.timeline_of_a_fresh_service(), f.expected());

  // Every op's id is right: the unit as it was after op 30 (rebuilt from the op log rows between ids).
  review::history_service h(f.db, f.templates, {});
  EXPECT_EQ(h.state_at(f.record(), 30)["streams"]["unit.goals"]["text"], f.text);
  EXPECT_EQ(h.state_at(f.record(), 11)["streams"]["unit.goals"]["text"], f.text.substr(0, 11));

  // A damaged digest, then also a missing one: the op log fills in.
  f.exec("UPDATE op_digests SET data = x'05' WHERE after_op = 10");
  EXPECT_EQ(f.timeline_of_a_fresh_service(), f.expected());
  f.exec("DELETE FROM op_digests WHERE after_op = 0");
  EXPECT_EQ(f.timeline_of_a_fresh_service(), f.expected());

  // The digest of ops 21-30 is what is read for them: with their times in the op log spoiled, the
  // timeline still has the right ones; without the digest it shows the spoiled ones.
  f.exec("UPDATE oplog SET time = 0 WHERE unit_id = " + std::to_string(f.unit_a));
  auto t = f.timeline_of_a_fresh_service();
  EXPECT_EQ(t["lastTime"], f.times.back());
  EXPECT_EQ(t["firstTime"], 0);
  f.exec("DELETE FROM op_digests");
  EXPECT_EQ(f.timeline_of_a_fresh_service()["lastTime"], 0);
  EXPECT_EQ(f.db.borrow()->integrity_check(), "ok");
}

// A unit whose newest snapshot is marked closed has no op after it, so the history reads the op
// log only up to that snapshot (a row slipped in behind the writer's back is not seen, which is how
// the test knows); once the unit's next op clears the mark, the log is read to its end again.
TEST(HistoryService, ReadsTheOpLogOnlyUpToAClosedSnapshot) {
  hs_fixture f;
  for (int n = 1; n <= 5; ++n) f.op(n);
  ASSERT_TRUE(snapshot_and_wait(f.writer, {f.unit_a, f.ids.back(), 5, 0, "{}", false, true}));
  f.exec("INSERT INTO oplog(unit_id, kind, stream, version, author, client_id, client_seq, time, payload) VALUES (" +
         std::to_string(f.unit_a) + ", 0, 'unit.goals', 5, 1, 'sneak', 1, 0, '[5,[0,\"s\"]]')");
  EXPECT_EQ(f.timeline_of_a_fresh_service()["ops"], 5);
  f.op(6);
  EXPECT_EQ(f.timeline_of_a_fresh_service()["ops"], 7);
  EXPECT_EQ(f.db.borrow()->integrity_check(), "ok");
}
