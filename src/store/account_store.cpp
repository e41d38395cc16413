// Accounts, sessions, partnerships and units in SQLite (see account_store.hpp).
#include "store/account_store.hpp"

namespace coplan::store {

namespace {

constexpr const char* user_columns = "id, username, display_name, role, password_hash";

user_record user_of(const statement& st) {
  return user_record{st.int64(0), st.text(1), st.text(2), st.text(3), st.text(4)};
}

}  // namespace

std::int64_t account_store::create_user(const std::string& username, const std::string& display_name,
                                        const std::string& role, const std::string& password_hash) {
  auto db = store_.borrow();
  auto st = db->prepare(
      "INSERT INTO users(username, display_name, role, password_hash, created_at) "
      "VALUES (?,?,?,?,unixepoch()*1000)");
  st.bind(1, username).bind(2, display_name).bind(3, role).bind(4, password_hash);
  st.run();
  return db->last_insert_rowid();
}

std::optional<user_record> account_store::user_by_name(const std::string& username) {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT ") + user_columns + " FROM users WHERE username = ?");
  st.bind(1, username);
  if (!st.step()) return std::nullopt;
  return user_of(st);
}

std::optional<user_record> account_store::user_by_id(std::int64_t id) {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT ") + user_columns + " FROM users WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return user_of(st);
}

std::int64_t account_store::user_count() {
  auto db = store_.borrow();
  auto st = db->prepare("SELECT count(*) FROM users");
  st.step();
  return st.int64(0);
}

void account_store::create_session(const std::string& token_hash, std::int64_t user_id, std::int64_t now,
                                   std::int64_t expires_at) {
  auto db = store_.borrow();
  auto st = db->prepare("INSERT INTO sessions(token_hash, user_id, created_at, expires_at) VALUES (?,?,?,?)");
  st.bind_blob(1, token_hash.data(), token_hash.size()).bind(2, user_id).bind(3, now).bind(4, expires_at);
  st.run();
  auto purge = db->prepare("DELETE FROM sessions WHERE expires_at <= ?");
  purge.bind(1, now);
  purge.run();
}

std::optional<user_record> account_store::session_user(const std::string& token_hash, std::int64_t now) {
  auto db = store_.borrow();
  auto st = db->prepare(
      "SELECT u.id, u.username, u.display_name, u.role, u.password_hash FROM sessions s "
      "JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?");
  st.bind_blob(1, token_hash.data(), token_hash.size()).bind(2, now);
  if (!st.step()) return std::nullopt;
  return user_of(st);
}

void account_store::delete_session(const std::string& token_hash) {
  auto db = store_.borrow();
  auto st = db->prepare("DELETE FROM sessions WHERE token_hash = ?");
  st.bind_blob(1, token_hash.data(), token_hash.size());
  st.run();
}

std::int64_t account_store::create_partnership(const std::string& name, const std::vector<std::int64_t>& members) {
  auto db = store_.borrow();
  std::int64_t id = 0;
  in_transaction(*db, [&] {
    auto st = db->prepare("INSERT INTO partnerships(name, created_at) VALUES (?, unixepoch()*1000)");
    st.bind(1, name);
    st.run();
    id = db->last_insert_rowid();
    auto add = db->prepare("INSERT INTO partnership_members(partnership_id, user_id) VALUES (?,?)");
    for (auto m : members) {
      add.bind(1, id).bind(2, m);
      add.run();
    }
  });
  return id;
}

std::int64_t account_store::create_unit(const std::string& public_id, std::int64_t partnership_id,
                                        const std::string& template_id, const std::string& title,
                                        std::int64_t created_by, const std::vector<std::int64_t>& members,
                                        const std::string& initial_state, std::int64_t now, std::int64_t copied_from) {
  auto db = store_.borrow();
  std::int64_t id = 0;
  in_transaction(*db, [&] {
    auto st = db->prepare(
        "INSERT INTO units(public_id, partnership_id, template, title, created_by, created_at, copied_from) "
        "VALUES (?,?,?,?,?,?,?)");
    st.bind(1, public_id).bind(2, partnership_id).bind(3, template_id).bind(4, title).bind(5, created_by).bind(6, now);
    if (copied_from) st.bind(7, copied_from);
    else st.bind_null(7);
    st.run();
    id = db->last_insert_rowid();
    auto add = db->prepare("INSERT INTO unit_members(unit_id, user_id) VALUES (?,?)");
    for (auto m : members) {
      add.bind(1, id).bind(2, m);
      add.run();
    }
    // The first snapshot starts after every op already in the log, so loading never scans them.
    auto snap = db->prepare(
        "INSERT INTO snapshots(unit_id, upto_op, ops, created_at, data, keep) "
        "VALUES (?, (SELECT coalesce(max(id), 0) FROM oplog), 0, ?, ?, 1)");
    snap.bind(1, id).bind(2, now).bind(3, initial_state);
    snap.run();
  });
  return id;
}

namespace {

// Columns of a unit_record, with the latest snapshot's time and values.
constexpr const char* unit_columns =
    "u.id, u.public_id, u.partnership_id, u.template, u.title, u.created_at, u.archived, "
    "(SELECT s.created_at FROM snapshots s WHERE s.unit_id = u.id ORDER BY s.id DESC LIMIT 1), "
    "(SELECT json_extract(s.data, '$.structure.values') FROM snapshots s WHERE s.unit_id = u.id ORDER BY s.id DESC LIMIT 1), "
    "(SELECT c.public_id FROM units c WHERE c.id = u.copied_from)";

unit_record unit_of(const statement& st) {
  return unit_record{st.int64(0), st.text(1),         st.int64(2), st.text(3), st.text(4),
                     st.int64(5), st.int64(6) != 0, st.int64(7), st.text(8), st.text(9)};
}

}  // namespace

std::optional<unit_record> account_store::unit_by_public_id(const std::string& public_id) {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT ") + unit_columns + " FROM units u WHERE u.public_id = ?");
  st.bind(1, public_id);
  if (!st.step()) return std::nullopt;
  return unit_of(st);
}

std::vector<unit_record> account_store::units_for_user(std::int64_t user_id) {
  auto db = store_.borrow();
  auto st = db->prepare(std::string("SELECT ") + unit_columns +
                        " FROM units u JOIN unit_members m ON m.unit_id = u.id WHERE m.user_id = ? "
                        "ORDER BY u.created_at DESC, u.id DESC");
  st.bind(1, user_id);
  std::vector<unit_record> out;
  while (st.step()) out.push_back(unit_of(st));
  return out;
}

std::vector<partnership_record> account_store::partnerships_for_user(std::int64_t user_id) {
  std::vector<std::int64_t> ids;
  {
    auto db = store_.borrow();
    auto st = db->prepare("SELECT partnership_id FROM partnership_members WHERE user_id = ? ORDER BY partnership_id");
    st.bind(1, user_id);
    while (st.step()) ids.push_back(st.int64(0));
  }
  std::vector<partnership_record> out;
  for (auto id : ids)
    if (auto p = partnership(id)) out.push_back(std::move(*p));
  return out;
}

std::optional<partnership_record> account_store::partnership(std::int64_t id) {
  auto db = store_.borrow();
  auto st = db->prepare("SELECT id, name FROM partnerships WHERE id = ?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  partnership_record p{st.int64(0), st.text(1), {}};
  auto ms = db->prepare(
      "SELECT u.id, u.username, u.display_name, u.role, '' FROM users u JOIN partnership_members m ON m.user_id = u.id "
      "WHERE m.partnership_id = ? ORDER BY u.id");
  ms.bind(1, id);
  while (ms.step()) p.members.push_back(user_of(ms));
  return p;
}

bool account_store::is_member(std::int64_t unit_id, std::int64_t user_id) {
  auto db = store_.borrow();
  auto st = db->prepare("SELECT 1 FROM unit_members WHERE unit_id = ? AND user_id = ?");
  st.bind(1, unit_id).bind(2, user_id);
  return st.step();
}

std::vector<user_record> account_store::unit_members(std::int64_t unit_id) {
  auto db = store_.borrow();
  auto st = db->prepare(
      "SELECT u.id, u.username, u.display_name, u.role, '' FROM users u JOIN unit_members m ON m.user_id = u.id "
      "WHERE m.unit_id = ? ORDER BY u.id");
  st.bind(1, unit_id);
  std::vector<user_record> out;
  while (st.step()) out.push_back(user_of(st));
  return out;
}

void account_store::set_archived(std::int64_t unit_id, bool archived) {
  auto db = store_.borrow();
  auto st = db->prepare("UPDATE units SET archived = ? WHERE id = ?");
  st.bind(1, archived ? 1 : 0).bind(2, unit_id);
  st.run();
}

void account_store::set_unit_title(std::int64_t unit_id, const std::string& title) {
  auto db = store_.borrow();
  auto st = db->prepare("UPDATE units SET title = ? WHERE id = ?");
  st.bind(1, title).bind(2, unit_id);
  st.run();
}

}  // namespace coplan::store
