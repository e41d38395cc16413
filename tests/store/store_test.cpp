// Storage tests: migrations, the group-commit writer (order, ids, failure guard, op digests), and a
// unit's round trip through snapshot + op log tail. Each ends with PRAGMA integrity_check.
#include <gtest/gtest.h>

#include <future>

#include "store/account_store.hpp"
#include "store/migrations.hpp"
#include "store/op_log_writer.hpp"
#include "store/store.hpp"
#include "store/unit_store.hpp"
#include "support/temp_dir.hpp"
#include "support/writer_calls.hpp"
#include "text/change_set.hpp"
#include "unit/unit_authority.hpp"

using namespace coplan;
using coplan::store::account_store;
using coplan::store::embedded_migrations;
using coplan::store::op_log_writer;
using coplan::store::op_row;
using coplan::store::unit_store;
using coplan::test_support::append_and_wait;
using coplan::test_support::snapshot_and_wait;
using store_t = coplan::store::store;

namespace {

op_row text_row(std::int64_t unit, std::string stream, std::uint64_t version, std::string payload) {
  return {0, unit, 0, std::move(stream), version, 1, "c", version + 1, 1000, std::move(payload)};
}

}  // namespace

TEST(Store, MigrationsSetUserVersion) {
  test_support::temp_dir dir;
  store_t s(dir.file("a.db"), {});
  auto db = s.borrow();
  auto st = db->prepare("PRAGMA user_version");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.int64(0), embedded_migrations().back().level);
  auto jm = db->prepare("PRAGMA journal_mode");
  jm.step();
  EXPECT_EQ(jm.text(0), "wal");
  // Opening again applies nothing twice.
  store_t again(dir.file("a.db"), {});
  EXPECT_EQ(db->integrity_check(), "ok");
}

TEST(Store, WriterCommitsInOrderAndReportsLastIds) {
  test_support::temp_dir dir;
  store_t s(dir.file("a.db"), {});
  op_log_writer w(dir.file("a.db"), {});
  std::vector<std::future<std::int64_t>> ids;
  std::vector<std::promise<std::int64_t>> ps(50);
  for (int i = 0; i < 50; ++i) {
    ids.push_back(ps[i].get_future());
    w.append({text_row(1, "unit.goals", static_cast<std::uint64_t>(i), "[[0,\"x\"]]")},
             [&ps, i](bool ok, std::int64_t id) { ps[i].set_value(ok ? id : -1); });
  }
  std::int64_t prev = 0;
  for (auto& f : ids) {
    auto id = f.get();
    EXPECT_GT(id, prev);
    prev = id;
  }
  w.flush();
  auto st = w.current_stats();
  EXPECT_EQ(st.rows, 50u);
  EXPECT_LE(st.commits, 50u);
  EXPECT_EQ(s.borrow()->integrity_check(), "ok");
}

// statement::bind_unowned (the op log writer's texts, bound without a copy): what is stored is the
// text as it was at run(), and each run stores its own binding.
TEST(Store, UnownedTextIsStoredAsBoundAtRun) {
  test_support::temp_dir dir;
  store::database db(dir.file("a.db"), {});
  db.exec("CREATE TABLE t(x TEXT)");
  auto insert = db.prepare("INSERT INTO t(x) VALUES (?)");
  for (int i = 0; i < 3; ++i) {
    std::string text = std::string(1000 * (i + 1), static_cast<char>('a' + i)) + "\xc3\xa9";
    insert.bind_unowned(1, text);
    insert.run();
    text.assign("overwritten after run");
  }
  auto q = db.prepare("SELECT x FROM t ORDER BY rowid");
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.text(0), std::string(1000 * (i + 1), static_cast<char>('a' + i)) + "\xc3\xa9");
  }
  EXPECT_FALSE(q.step());
  EXPECT_EQ(db.integrity_check(), "ok");
}

// Replay profile (#8): a lone client, which sends its next push only when the last one is
// acknowledged, waited out the group-commit interval before every commit; with the interval at 0
// the trace replay ran about 20% faster. A commit after one that carried a single job now starts
// at once. With a one-second interval, eight such appends took at least seven seconds before.
TEST(Store, ALoneAppenderDoesNotWaitForTheCommitInterval) {
  test_support::temp_dir dir;
  store_t s(dir.file("a.db"), {});
  op_log_writer w(dir.file("a.db"), {}, std::chrono::seconds(1));
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) {
    std::promise<bool> done;
    w.append({text_row(1, "unit.goals", static_cast<std::uint64_t>(i), "[[0,\"x\"]]")},
             [&done](bool ok, std::int64_t) { done.set_value(ok); });
    ASSERT_TRUE(done.get_future().get());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
  EXPECT_EQ(w.current_stats().commits, 8u);
  EXPECT_EQ(s.borrow()->integrity_check(), "ok");
}

// ... while under load the interval still gathers jobs: after a commit of three jobs, five jobs
// appended at once wait out the (one-second) interval and go into one commit, not one each.
TEST(Store, JobsAfterABusyCommitWaitForTheIntervalAndShareACommit) {
  test_support::temp_dir dir;
  store_t s(dir.file("a.db"), {});
  op_log_writer w(dir.file("a.db"), {}, std::chrono::seconds(1));
  auto append_all = [&](int n, std::uint64_t first) {
    std::vector<std::shared_ptr<std::promise<bool>>> done;
    std::vector<std::future<bool>> results;
    for (int i = 0; i < n; ++i) {
      done.push_back(std::make_shared<std::promise<bool>>());
      results.push_back(done.back()->get_future());
      w.append({text_row(1, "unit.goals", first + static_cast<std::uint64_t>(i), "[[0,\"x\"]]")},
               [p = done.back()](bool ok, std::int64_t) { p->set_value(ok); });
    }
    return results;
  };
  w.hold_commits(true);
  auto three = append_all(3, 0);
  w.hold_commits(false);
  for (auto& f : three) ASSERT_TRUE(f.get());
  EXPECT_EQ(w.current_stats().commits, 1u);
  auto five = append_all(5, 3);
  for (auto& f : five) ASSERT_TRUE(f.get());
  EXPECT_EQ(w.current_stats().commits, 2u);
  EXPECT_EQ(w.current_stats().rows, 8u);
  EXPECT_EQ(s.borrow()->integrity_check(), "ok");
}

TEST(Store, FailedCommitRefusesTheOwnersLaterJobs) {
  test_support::temp_dir dir;
  store_t s(dir.file("a.db"), {});
  op_log_writer w(dir.file("a.db"), {});
  auto guard = std::make_shared<std::atomic<bool>>(false);
  w.fail_next_commits(1);
  EXPECT_FALSE(append_and_wait(w, {text_row(1, "s", 0, "[]")}, nullptr, guard));
  EXPECT_TRUE(guard->load());
  // A later job of the same owner must not land after the lost one.
  EXPECT_FALSE(append_and_wait(w, {text_row(1, "s", 1, "[]")}, nullptr, guard));
  // Other owners are unaffected.
  EXPECT_TRUE(append_and_wait(w, {text_row(2, "s", 0, "[]")}));
  unit_store us(s);
  EXPECT_EQ(us.all_ops(1).size(), 0u);
  EXPECT_EQ(us.all_ops(2).size(), 1u);
  EXPECT_EQ(s.borrow()->integrity_check(), "ok");
}

TEST(Store, UnitRoundTripThroughSnapshotAndTail) {
  test_support::temp_dir dir;
  store_t s(dir.file("a.db"), {});
  op_log_writer w(dir.file("a.db"), {});
  account_store accounts(s);
  auto spec = unit::template_spec::load_file(std::string(COPLAN_SOURCE_DIR) + "/templates/ubd.json");
  auto u = accounts.create_user("u", "U", "teacher", "x");
  auto p = accounts.create_partnership("p", {u});
  unit::unit_doc doc(spec, {});
  auto unit_id = accounts.create_unit("unitpublic", p, "ubd", "T", u, {u}, doc.to_json().dump(), 0);

  // 30 single-character edits; a snapshot after the first 20; the rest is the tail.
  std::vector<op_row> rows;
  std::int64_t len = 0;
  std::vector<std::shared_ptr<const unit::text_update>> acc;
  for (int i = 0; i < 30; ++i) {
    auto c = text::change_set::replace(len, len, len, std::u16string(1, static_cast<char16_t>(u'a' + i % 26)));
    rows.push_back(text_row(unit_id, "unit.goals", static_cast<std::uint64_t>(i), c.to_json().dump()));
    if (i < 20) {
      std::vector<unit::incoming_update> one{{"c", static_cast<std::uint64_t>(i + 1), c, ""}};
      doc.push("unit.goals", static_cast<std::uint64_t>(i), std::move(one), 1, 1000, acc);
    }
    ++len;
  }
  std::int64_t last20 = 0;
  ASSERT_TRUE(append_and_wait(w, std::vector<op_row>(rows.begin(), rows.begin() + 20), &last20));
  ASSERT_TRUE(snapshot_and_wait(w, {unit_id, last20, 20, 1, doc.to_json().dump()}));
  ASSERT_TRUE(append_and_wait(w, std::vector<op_row>(rows.begin() + 20, rows.end())));

  unit_store us(s);
  auto loaded = us.load(unit_id);
  EXPECT_EQ(loaded.upto_op, last20);
  EXPECT_EQ(loaded.tail.size(), 10u);
  auto st = unit::authority_state::restore(spec, {}, loaded);
  const auto* goals = st.doc.find_stream("unit.goals");
  EXPECT_EQ(goals->version, 30u);
  EXPECT_EQ(goals->text.to_utf8(), "abcdefghijklmnopqrstuvwxyzabcd");
  EXPECT_EQ(goals->authors.total(), 30u);
  EXPECT_EQ(us.text_ops_between(unit_id, "unit.goals", 25, 30).size(), 5u);
  EXPECT_EQ(s.borrow()->integrity_check(), "ok");
}

// A client far behind catches up from the op log, which has no index by unit: only the rows
// between the two snapshots that bracket the versions it needs are read. Rows outside that range
// that would match (planted here behind the writer's back) are not seen, which is how the test
// knows; before, the whole log was scanned on the unit's strand.
TEST(Store, CatchUpReadsOnlyTheOpLogBetweenTwoSnapshots) {
  test_support::temp_dir dir;
  store_t s(dir.file("a.db"), {});
  op_log_writer w(dir.file("a.db"), {});
  auto snapshot_at = [&](std::int64_t upto, std::uint64_t version) {
    auto data = R"({"streams":{"unit.goals":{"version":)" + std::to_string(version) + "}}}";
    ASSERT_TRUE(snapshot_and_wait(w, {1, upto, version, 1, data}));
  };
  std::int64_t last = 0;
  for (std::uint64_t v = 0; v < 30; ++v) {
    // Another unit's op between each two of this one's.
    ASSERT_TRUE(append_and_wait(w, {text_row(2, "unit.goals", v, "[[0,\"o\"]]"),
                                    text_row(1, "unit.goals", v, "[" + std::to_string(v) + "]")}, &last));
    if (v == 9) snapshot_at(last, 10);
    if (v == 19) snapshot_at(last, 20);
  }
  // A block's stream, added after the last snapshot: no snapshot has it, so it starts after them.
  ASSERT_TRUE(append_and_wait(w, {text_row(1, "abcdef.title", 0, "[0]"), text_row(1, "abcdef.title", 1, "[1]")}));
  {
    auto db = s.borrow();
    db->exec("UPDATE oplog SET version = 13 WHERE unit_id = 1 AND stream = 'unit.goals' AND version = 3");
    db->exec("INSERT INTO oplog(unit_id, kind, stream, version, author, client_id, client_seq, time, payload) "
             "VALUES (1, 0, 'unit.goals', 14, 1, 'c', 15, 1000, 'planted')");
  }
  unit_store us(s);
  auto rows = us.text_ops_between(1, "unit.goals", 12, 18);
  ASSERT_EQ(rows.size(), 6u);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i].version, 12 + i);
    EXPECT_EQ(rows[i].payload, "[" + std::to_string(12 + i) + "]");
  }
  // Bounds equal to the snapshots' versions: the ops at 10..19 lie exactly between the two.
  auto between = us.text_ops_between(1, "unit.goals", 10, 20);
  ASSERT_EQ(between.size(), 10u);
  EXPECT_EQ(between.front().payload, "[10]");
  EXPECT_EQ(between.back().payload, "[19]");
  auto tail = us.text_ops_between(1, "unit.goals", 25, 30);
  ASSERT_EQ(tail.size(), 5u);
  EXPECT_EQ(tail.front().payload, "[25]");
  auto block = us.text_ops_between(1, "abcdef.title", 0, 2);
  ASSERT_EQ(block.size(), 2u);
  EXPECT_EQ(block.back().payload, "[1]");
  EXPECT_TRUE(us.text_ops_between(1, "unit.goals", 7, 7).empty());
  // A damaged snapshot on the way: the whole log is read, planted rows and all, and nothing throws.
  s.borrow()->exec("UPDATE snapshots SET data = '{not json' WHERE unit_id = 1 AND ops = 20");
  EXPECT_EQ(us.text_ops_between(1, "unit.goals", 12, 18).size(), 8u);
  EXPECT_EQ(s.borrow()->integrity_check(), "ok");
}

// With each snapshot the writer stores the digest of the unit's ops since its previous one (other
// units' ops interleaved are not in it); a failed commit drops what was gathered, so the next
// digest starts after a gap, and says so by its after_op.
TEST(Store, WriterStoresADigestOfTheUnitsOpsWithEachSnapshot) {
  test_support::temp_dir dir;
  store_t s(dir.file("a.db"), {});
  op_log_writer w(dir.file("a.db"), {});
  auto row = [](std::int64_t unit, std::uint64_t v, std::int64_t time, std::uint32_t author) {
    return op_row{0, unit, 0, "unit.goals", v, author, "c", v + 1, time, "[]"};
  };
  std::vector<coplan::store::op_digest::entry> unit1;
  std::int64_t last = 0;
  for (std::uint64_t v = 0; v < 20; ++v) {
    ASSERT_TRUE(append_and_wait(w, {row(1, v, 5000 - static_cast<std::int64_t>(v), 1 + v % 2), row(2, v, 7, 9)}, &last));
    unit1.push_back({last - 1, 5000 - static_cast<std::int64_t>(v), static_cast<std::uint32_t>(1 + v % 2), 0, ""});
  }
  auto phase = std::string(R"({"op":"set","block":"unit","field":"phase","value":"teach"})");
  ASSERT_TRUE(append_and_wait(w, {{0, 1, 1, "", 0, 2, "c", 99, 6000, phase}}, &last));
  unit1.push_back({last, 6000, 2, 1, phase});
  ASSERT_TRUE(snapshot_and_wait(w, {1, last, 21, 6001, "{}"}));

  auto digests = [&] {
    std::vector<std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::vector<coplan::store::op_digest::entry>>> out;
    auto db = s.borrow();
    auto st = db->prepare("SELECT after_op, ops, first_id, last_id, data FROM op_digests WHERE unit_id = 1 ORDER BY after_op");
    while (st.step())
      out.emplace_back(st.int64(0), st.int64(1), st.int64(2), st.int64(3),
                       coplan::store::op_digest::decode(st.text(4), static_cast<std::size_t>(st.int64(1))));
    return out;
  };
  auto d = digests();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(std::get<0>(d[0]), 0);
  EXPECT_EQ(std::get<1>(d[0]), 21);
  EXPECT_EQ(std::get<2>(d[0]), unit1.front().id);
  EXPECT_EQ(std::get<3>(d[0]), unit1.back().id);
  EXPECT_EQ(std::get<4>(d[0]), unit1);

  // Two ops, then a failed commit (of another unit's op): the two are durable but no longer
  // gathered. Three more and a snapshot: the digest holds those three, after op 23.
  ASSERT_TRUE(append_and_wait(w, {row(1, 20, 1, 1), row(1, 21, 2, 1)}));
  w.fail_next_commits(1);
  ASSERT_FALSE(append_and_wait(w, {row(3, 0, 1, 1)}));
  std::vector<coplan::store::op_digest::entry> later;
  for (std::uint64_t v = 22; v < 25; ++v) {
    ASSERT_TRUE(append_and_wait(w, {row(1, v, 10 + static_cast<std::int64_t>(v), 2)}, &last));
    later.push_back({last, 10 + static_cast<std::int64_t>(v), 2, 0, ""});
  }
  ASSERT_TRUE(snapshot_and_wait(w, {1, last, 26, 6002, "{}"}));
  // A snapshot with no ops since writes no digest.
  ASSERT_TRUE(snapshot_and_wait(w, {1, last, 26, 6003, "{}"}));
  d = digests();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(std::get<0>(d[1]), 23);
  EXPECT_EQ(std::get<1>(d[1]), 3);
  EXPECT_EQ(std::get<4>(d[1]), later);
  // Unit 2 had no snapshot, so no digest yet.
  auto c = s.borrow();
  auto st = c->prepare("SELECT count(*) FROM op_digests WHERE unit_id <> 1");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.int64(0), 0);
  EXPECT_EQ(c->integrity_check(), "ok");
}

namespace {
struct closed_mark_case {
  test_support::temp_dir dir;
  store_t s{dir.file("a.db"), {}};
  std::unique_ptr<op_log_writer> w = std::make_unique<op_log_writer>(dir.file("a.db"), coplan::store::db_options{});
  std::uint64_t version = 0;
  std::int64_t last = 0;
  bool op(std::int64_t unit = 1, op_log_writer::failure_guard guard = nullptr) {
    auto c = text::change_set::replace(static_cast<std::int64_t>(version), static_cast<std::int64_t>(version),
                                       static_cast<std::int64_t>(version), u"x");
    bool ok = append_and_wait(*w, {text_row(unit, "unit.goals", version, c.to_json().dump())}, &last, guard);
    if (ok && unit == 1) ++version;
    return ok;
  }
  // A closing snapshot of unit 1 holding its first `ops` ops, up to row `upto`.
  bool close(std::int64_t upto, std::uint64_t ops) { return snapshot_and_wait(*w, {1, upto, ops, 1, "{}", false, true}); }
  bool close(std::int64_t upto) { return close(upto, version); }
  // A load now reads the unit's last op from the op log: its snapshot is not marked closed.
  void expect_load_reads_one_op_after_the_snapshot() {
    auto loaded = unit_store(s).load(1);
    EXPECT_FALSE(loaded.closed);
    EXPECT_EQ(loaded.tail.size(), 1u);
    EXPECT_EQ(s.borrow()->integrity_check(), "ok");
  }
  std::int64_t marked() {
    auto c = s.borrow();
    auto st = c->prepare("SELECT count(*) FROM snapshots WHERE unit_id = 1 AND closed = 1");
    st.step();
    return st.int64(0);
  }
};
}  // namespace

// A unit closed cleanly opens from its closing snapshot alone: the op log is not read (a row
// slipped into the log behind the writer's back is not seen, which is how the test knows).
TEST(Store, AUnitClosedCleanlyLoadsWithoutReadingTheOpLog) {
  closed_mark_case t;
  ASSERT_TRUE(t.op());
  ASSERT_TRUE(t.op(2));
  ASSERT_TRUE(t.op());
  ASSERT_TRUE(t.close(t.last));
  EXPECT_EQ(t.marked(), 1);
  t.s.borrow()->exec("INSERT INTO oplog(unit_id, kind, stream, version, author, client_id, client_seq, time, payload) "
                     "VALUES (1, 0, 'unit.goals', 2, 1, 'c', 3, 1000, '[2,[0,\"y\"]]')");
  unit_store us(t.s);
  auto loaded = us.load(1);
  EXPECT_TRUE(loaded.closed);
  EXPECT_EQ(loaded.ops, 2u);
  EXPECT_TRUE(loaded.tail.empty());
  EXPECT_EQ(t.s.borrow()->integrity_check(), "ok");
}

// The unit's next op clears the mark in its own commit, also when the writer was restarted in
// between (it reads the marks at start), so a later load reads that op from the log.
TEST(Store, TheFirstOpAfterACloseClearsTheMarkInItsOwnCommit) {
  closed_mark_case t;
  ASSERT_TRUE(t.op());
  ASSERT_TRUE(t.close(t.last));
  ASSERT_EQ(t.marked(), 1);
  ASSERT_TRUE(t.op());
  EXPECT_EQ(t.marked(), 0);
  unit_store us(t.s);
  EXPECT_FALSE(us.load(1).closed);
  EXPECT_EQ(us.load(1).tail.size(), 1u);

  ASSERT_TRUE(t.close(t.last));
  ASSERT_EQ(t.marked(), 1);
  t.w = std::make_unique<op_log_writer>(t.dir.file("a.db"), coplan::store::db_options{});
  ASSERT_TRUE(t.op());
  EXPECT_EQ(t.marked(), 0);
  EXPECT_EQ(us.load(1).tail.size(), 1u);
  EXPECT_EQ(t.s.borrow()->integrity_check(), "ok");
}

// Regression guard for a close racing a reopen: the old opening's closing snapshot reaches the
// writer after the new opening's first op. It must not be marked closed, or a load would skip
// that op.
TEST(Store, AClosingSnapshotBehindALaterOpOfTheUnitIsNotMarkedClosed) {
  closed_mark_case t;
  ASSERT_TRUE(t.op());
  auto closing_upto = t.last;
  auto ops_then = t.version;
  ASSERT_TRUE(t.op());
  ASSERT_TRUE(t.close(closing_upto, ops_then));
  EXPECT_EQ(t.marked(), 0);
  t.expect_load_reads_one_op_after_the_snapshot();
}

// A failed commit rolls back the clearing of a mark; the writer must then still clear it with
// the unit's next op (it reads the marks again after a rollback).
TEST(Store, AFailedCommitLeavesTheWriterKnowingTheMarksAsTheDatabaseHasThem) {
  closed_mark_case t;
  ASSERT_TRUE(t.op());
  ASSERT_TRUE(t.close(t.last));
  t.w->fail_next_commits(1);
  ASSERT_FALSE(t.op(1, std::make_shared<std::atomic<bool>>(false)));
  EXPECT_EQ(t.marked(), 1);
  ASSERT_TRUE(t.op());
  EXPECT_EQ(t.marked(), 0);
  unit_store us(t.s);
  EXPECT_EQ(us.load(1).tail.size(), 1u);
  EXPECT_EQ(t.s.borrow()->integrity_check(), "ok");
}

// Regression (found in review): a late, older closing snapshot (an opening whose destructor ran
// slowly while the unit was opened, edited and closed again) made the writer forget that the
// newest snapshot is marked closed, so the unit's next op did not clear that mark and a load
// after a crash skipped the op.
TEST(Store, ALateOlderClosingSnapshotDoesNotHideTheNextOp) {
  closed_mark_case t;
  ASSERT_TRUE(t.op());
  auto older_upto = t.last;
  auto older_ops = t.version;
  ASSERT_TRUE(t.op());
  ASSERT_TRUE(t.close(t.last));  // the newer opening closes: marked
  ASSERT_EQ(t.marked(), 1);
  ASSERT_TRUE(t.close(older_upto, older_ops));  // the older one, late
  ASSERT_TRUE(t.op());  // the next opening's first op
  EXPECT_EQ(t.marked(), 0);
  t.expect_load_reads_one_op_after_the_snapshot();
}
