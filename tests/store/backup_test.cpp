// Online backup and restore (issue #9): a backup taken while a running server commits edits is a
// consistent snapshot that passes integrity_check; restoring it (server stopped) brings the unit
// back exactly as it was at that moment. Ends with PRAGMA integrity_check.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "store/backup.hpp"
#include "store/database.hpp"
#include "support/test_server.hpp"

using namespace coplan;
using namespace coplan::test_support;
using nlohmann::json;

TEST(StoreBackup, OnlineBackupWhileWritingIsConsistentAndRestores) {
  test_server ts;
  auto a = ts.join("lib", "A");
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> acked{0};
  // One 'x' per edit, each waiting for its acknowledgement (so it is committed).
  std::thread typist([&] {
    for (std::uint64_t v = 0; !stop && v < 1000000; ++v) {
      json changes = v ? json::array({v, json::array({0, "x"})}) : json::array({json::array({0, "x"})});
      a->send(json{{"type", "push"}, {"stream", "unit.goals"}, {"version", v},
                   {"updates", json::array({{{"clientID", "A"}, {"seq", v + 1}, {"changes", changes}}})}});
      if (!a->expect("pushed")["ok"].get<bool>()) break;
      acked = v + 1;
    }
  });
  while (acked < 200) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto before = acked.load();
  auto file = ts.dir().file("backup.db");
  auto pages = store::backup::take(ts.dir().file("coplan.db"), file);
  auto after = acked.load();
  // Regression (flaky under ASan in CI, 2026-11-25): the typist was stopped as soon as the backup
  // returned, so sometimes no edit was acknowledged after it and the check below failed although
  // the server was fine. Wait (bounded) for one more acknowledgement before stopping.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (acked.load() <= after && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  stop = true;
  typist.join();
  EXPECT_GT(pages, 0);
  EXPECT_GT(acked.load(), after);  // the server kept committing during and after the backup
  {
    store::database b(file, {.synchronous = "FULL", .busy_timeout_ms = 1000, .read_only = true});
    EXPECT_EQ(b.integrity_check(), "ok");
  }
  // A second backup to the same file is refused, the first is untouched.
  EXPECT_THROW(store::backup::take(ts.dir().file("coplan.db"), file), std::runtime_error);

  // Restore over the live database (server stopped), start again: the unit is as it was at the
  // backup, somewhere between `before` and `after` edits, and whole.
  ts.shut_down();
  store::backup::restore(file, ts.dir().file("coplan.db"));
  ts.start();
  json w;
  auto c = ts.join("tea", "C", &w);
  auto text = w["streams"]["unit.goals"]["text"].get<std::string>();
  EXPECT_EQ(text, std::string(text.size(), 'x'));
  EXPECT_GE(text.size(), before);
  EXPECT_LE(text.size(), after + 1);
  EXPECT_EQ(w["streams"]["unit.goals"]["version"].get<std::uint64_t>(), text.size());
  // The restored server takes edits on top.
  c->send(json{{"type", "push"}, {"stream", "unit.goals"}, {"version", text.size()},
               {"updates", json::array({{{"clientID", "C"}, {"seq", 1}, {"changes", json::array({text.size(), json::array({0, "!"})})}}})}});
  EXPECT_TRUE(c->expect("pushed")["ok"].get<bool>());

  // A damaged backup is refused and the database is left as it was.
  auto bad = ts.dir().file("damaged.db");
  {
    std::ofstream out(bad, std::ios::binary);
    out << "SQLite format 3" << std::string(5000, '\x7f');
  }
  c.reset();
  ts.shut_down();
  EXPECT_THROW(store::backup::restore(bad, ts.dir().file("coplan.db")), std::exception);
  store::database db(ts.dir().file("coplan.db"), {});
  EXPECT_EQ(db.integrity_check(), "ok");
}

// Regression (found by LeakSanitizer in the restore test): a database constructor that failed after
// opening the file (e.g. a file that is not a database) leaked its SQLite connection.
TEST(StoreBackup, OpeningAFileThatIsNotADatabaseThrowsAndLeaksNothing) {
  temp_dir dir;
  auto path = dir.file("not-a-database.db");
  {
    std::ofstream out(path, std::ios::binary);
    out << "SQLite format 3" << std::string(5000, '\x7f');
  }
  EXPECT_THROW(store::database(path, {}), std::exception);
}
