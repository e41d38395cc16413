// The `coplan` command: `coplan serve` runs the server; `coplan --help` lists the subcommands.
#include <csignal>
#include <set>
#include <sstream>

#include <termios.h>
#include <unistd.h>
#include <iostream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

#include "cli/command_line.hpp"
#include "log/event_log.hpp"
#include "store/backup.hpp"
#include "auth/password_policy.hpp"
#include "net/server.hpp"
#include "unit/demo_seed.hpp"

namespace po = boost::program_options;
using namespace coplan;

namespace {

const char* usage =
    "Coplan: a real-time co-planning workspace for a school librarian and a classroom teacher.\n\n"
    "Usage: coplan <command> [options]\n\n"
    "Commands:\n"
    "  serve     run the server (HTTP + WebSocket on one port)\n"
    "  user      manage accounts: add, list, passwd, role, disable, enable\n"
    "  partnership add   pair people up (a librarian and a teacher, or more)\n"
    "  school    add a school; coordinator assign gives a coordinator a school\n"
    "  unit add-member   add a third member to a unit\n"
    "  backup    copy the database while the server runs: coplan backup --to FILE\n"
    "  restore   replace the database with a backup (server stopped): coplan restore --from FILE\n"
    "  help      show this text; `coplan <command> --help` shows a command's options\n";


// coplan backup / coplan restore (SQLite's online backup API; see store/backup.hpp).
int backup_command(const std::string& command, const std::vector<std::string>& args) {
  std::string data_dir = "var", file;
  po::options_description opts("coplan " + command + " options");
  opts.add_options()("help,h", "show these options")
      ("data-dir", po::value(&data_dir)->default_value(data_dir), "folder holding coplan.db")
      (command == "backup" ? "to" : "from", po::value(&file)->required(),
       command == "backup" ? "the backup file to write (must not exist)" : "the backup file to restore");
  po::variables_map vm;
  if (!cli::parse_command_line(args, opts, vm)) return 0;
  auto db = data_dir + "/coplan.db";
  if (command == "backup") {
    auto pages = store::backup::take(db, file);
    std::cout << "Backed up " << db << " to " << file << " (" << pages << " pages, integrity check ok)\n";
  } else {
    store::backup::restore(file, db);
    std::cout << "Restored " << db << " from " << file << " (integrity check ok)\n";
  }
  return 0;
}

int serve(const std::vector<std::string>& args) {
  net::server_config c;
  std::string sync = c.synchronous;
  long commit_us = c.commit_interval.count();
  bool demo = false;
  po::options_description opts("coplan serve options");
  opts.add_options()("help,h", "show these options")
      ("address", po::value(&c.address)->default_value(c.address), "address to listen on (0.0.0.0 for every interface)")
      ("port", po::value(&c.port)->default_value(c.port), "TCP port (0 picks a free one)")
      ("data-dir", po::value(&c.data_dir)->default_value(c.data_dir), "folder holding coplan.db")
      ("web-root", po::value(&c.web_root)->default_value(c.web_root), "folder of the built web client")
      ("templates", po::value(&c.templates_dir)->default_value(c.templates_dir), "folder of unit templates (JSON)")
      ("threads", po::value(&c.threads)->default_value(0), "io threads (0 = one per core)")
      ("synchronous", po::value(&sync)->default_value(sync), "SQLite synchronous mode: FULL or NORMAL")
      ("commit-interval-us", po::value(&commit_us)->default_value(commit_us), "group commit: microseconds between commit starts under load")
      ("allowed-origin", po::value(&c.allowed_origins)->composing(), "extra allowed Origin (repeatable)")
      ("messages-per-second", po::value(&c.messages_per_second)->default_value(c.messages_per_second), "one WebSocket's message rate")
      ("message-burst", po::value(&c.message_burst)->default_value(c.message_burst), "one WebSocket's message burst")
      ("user-messages-per-second", po::value(&c.user_messages_per_second)->default_value(c.user_messages_per_second),
       "one account's message rate over all its WebSockets")
      ("user-message-burst", po::value(&c.user_message_burst)->default_value(c.user_message_burst), "one account's message burst")
      ("max-sockets-per-user", po::value(&c.max_sockets_per_user)->default_value(c.max_sockets_per_user),
       "WebSockets one account may hold open")
      ("max-connections-per-address",
       po::value(&c.max_http_connections_per_address)->default_value(c.max_http_connections_per_address),
       "HTTP connections one client address may hold open (0 = no limit)")
      ("tls-cert", po::value(&c.tls_cert), "PEM certificate chain: serve HTTPS and WSS")
      ("tls-key", po::value(&c.tls_key), "PEM private key for --tls-cert")
      ("trust-proxy", po::bool_switch(&c.trust_proxy),
       "behind a reverse proxy: client address from X-Forwarded-For, Secure cookie when X-Forwarded-Proto is https")
      ("demo", po::bool_switch(&demo), "create the demo partnership when the database is empty");
  po::variables_map vm;
  if (!cli::parse_command_line(args, opts, vm)) return 0;
  if (sync != "FULL" && sync != "NORMAL") throw std::runtime_error("--synchronous must be FULL or NORMAL");
  c.synchronous = sync;
  if (commit_us < 0 || commit_us > 1'000'000) throw std::runtime_error("--commit-interval-us must be 0..1000000");
  c.commit_interval = std::chrono::microseconds(commit_us);
  net::raise_open_file_limit();
  c.secure_cookies = !c.tls_cert.empty();

  net::server srv(c);
  if (demo && unit::demo_seed::run_if_empty(srv.registry(), srv.accounts(), srv.writer(), srv.hasher()))
    std::cout << "Created the demo partnership in " << c.db_path() << "\n";
  auto port = srv.start();
  std::string host = c.address == "0.0.0.0" ? "localhost" : c.address;
  std::cout << "Coplan is running at " << (c.tls_cert.empty() ? "http" : "https") << "://" << host << ":" << port << "/\n";
  if (demo) {
    const auto& l = unit::demo_seed::librarian();
    const auto& t = unit::demo_seed::teacher();
    std::cout << "Demo sign-ins:  librarian: " << l.username << " / " << l.password << "    teacher: " << t.username
              << " / " << t.password << "\n";
  }
  std::cout << "Press Ctrl+C to stop." << std::endl;
  log::event_log::enable();
  log::event_log::write("info", "started", {{"port", port}, {"db", c.db_path()}, {"tls", !c.tls_cert.empty()}});

  boost::asio::io_context signals_ctx;
  boost::asio::signal_set signals(signals_ctx, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int sig) {
    log::event_log::write("info", "stopping", {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
    srv.stop();
  });
  signals_ctx.run();
  log::event_log::write("info", "stopped");
  std::cout << "Coplan stopped." << std::endl;
  return 0;
}

}  // namespace

// Reads a password from standard input (one line), without echo when it is a terminal.
std::string read_password(const std::string& prompt) {
  bool tty = isatty(STDIN_FILENO);
  termios old{};
  if (tty) {
    std::cerr << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  }
  return line;
}

// `coplan user|partnership|school|coordinator|unit …`: account administration on the database
// directly (safe while the server runs: SQLite serializes writers).
int admin(const std::string& area, std::vector<std::string> args) {
  std::string data_dir = "var", action, username, name, role, school, members, unit_id, hash_cost = "interactive";
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    action = args[0];
    args.erase(args.begin());
  }
  po::options_description opts("coplan " + area + " " + action + " options");
  opts.add_options()("help,h", "show these options")
      ("data-dir", po::value(&data_dir)->default_value(data_dir), "folder holding coplan.db")
      ("username", po::value(&username), "the account's username")
      ("name", po::value(&name), "the person's name as partners see it")
      ("role", po::value(&role), "librarian, teacher, coordinator or admin")
      ("school", po::value(&school), "a school name")
      ("members", po::value(&members), "usernames, separated by commas")
      ("unit", po::value(&unit_id), "a unit id (from its address)");
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(opts).run(), vm);
  po::notify(vm);
  if (vm.count("help") || action.empty()) {
    std::cout << opts << "\n";
    return action.empty() ? 2 : 0;
  }
  store::store db(data_dir + "/coplan.db", {});
  store::account_store accounts(db);
  auth::password_hasher hasher;
  auto need = [&](const std::string& v, const char* what) {
    if (v.empty()) throw std::runtime_error(std::string("--") + what + " is required");
  };
  auto user_of = [&](const std::string& u) {
    auto rec = accounts.user_by_name(u);
    if (!rec) throw std::runtime_error("no user " + u);
    return *rec;
  };
  auto new_password = [&](const std::string& for_user) {
    auto p = read_password("New password for " + for_user + ": ");
    auto problem = auth::password_policy::problem_with(p, for_user);
    if (!problem.empty()) throw std::runtime_error(problem);
    return hasher.hash(p);
  };
  static const std::set<std::string> roles{"librarian", "teacher", "coordinator", "admin"};
  auto log = [&](const std::string& what, const nlohmann::json& detail) { accounts.audit(0, "(command line)", what, detail.dump(), "local"); };
  if (area == "user" && action == "add") {
    need(username, "username"), need(name, "name"), need(role, "role");
    if (!roles.count(role)) throw std::runtime_error("unknown role " + role);
    if (accounts.user_by_name(username)) throw std::runtime_error("username " + username + " is taken");
    auto id = accounts.create_user(username, name, role, new_password(username));
    if (!school.empty()) accounts.set_user_school(id, accounts.create_school(school));
    log("user_created", {{"user", username}, {"role", role}});
    std::cout << "Added " << username << " (" << role << ").\n";
  } else if (area == "user" && action == "list") {
    for (const auto& u : accounts.all_users())
      std::cout << u.id << "\t" << u.username << "\t" << u.role << "\t" << u.display_name << (u.disabled ? "\t(disabled)" : "") << "\n";
  } else if (area == "user" && action == "passwd") {
    need(username, "username");
    auto u = user_of(username);
    accounts.set_password(u.id, new_password(username));
    accounts.delete_sessions_of(u.id);
    log("password_reset", {{"user", username}});
    std::cout << "Password changed; " << username << " is signed out everywhere.\n";
  } else if (area == "user" && action == "role") {
    need(username, "username"), need(role, "role");
    if (!roles.count(role)) throw std::runtime_error("unknown role " + role);
    auto u = user_of(username);
    accounts.set_role(u.id, role);
    accounts.delete_sessions_of(u.id);
    log("role_changed", {{"user", username}, {"from", u.role}, {"to", role}});
    std::cout << username << " is now " << role << ".\n";
  } else if (area == "user" && (action == "disable" || action == "enable")) {
    need(username, "username");
    auto u = user_of(username);
    accounts.set_disabled(u.id, action == "disable");
    if (action == "disable") accounts.delete_sessions_of(u.id);
    log(action == "disable" ? "user_disabled" : "user_enabled", {{"user", username}});
    std::cout << username << (action == "disable" ? " is disabled.\n" : " is enabled.\n");
  } else if (area == "partnership" && action == "add") {
    need(name, "name"), need(members, "members");
    std::vector<std::int64_t> ids;
    std::stringstream ss(members);
    for (std::string m; std::getline(ss, m, ',');) ids.push_back(user_of(m).id);
    auto id = accounts.create_partnership(name, ids);
    log("partnership_created", {{"partnership", id}, {"members", members}});
    std::cout << "Partnership " << id << " created.\n";
  } else if (area == "school" && action == "add") {
    need(name, "name");
    std::cout << "School " << accounts.create_school(name) << ": " << name << "\n";
  } else if (area == "coordinator" && action == "assign") {
    need(username, "username"), need(school, "school");
    auto u = user_of(username);
    accounts.assign_coordinator(u.id, accounts.create_school(school));
    log("coordinator_assigned", {{"user", username}, {"school", school}});
    std::cout << username << " now sees reports for " << school << ".\n";
  } else if (area == "unit" && action == "add-member") {
    need(unit_id, "unit"), need(username, "username");
    auto unit = accounts.unit_by_public_id(unit_id);
    if (!unit) throw std::runtime_error("no unit " + unit_id);
    auto member = user_of(username);
    if (!store::account_store::may_join_units(member.role))
      throw std::runtime_error(username + " is a " + member.role + "; only librarians and teachers are members of units");
    accounts.add_unit_member(unit->id, member.id);
    log("member_added", {{"unit", unit_id}, {"member", username}});
    std::cout << username << " is now a member of " << unit_id << ".\n";
  } else {
    throw std::runtime_error("unknown command " + area + " " + action);
  }
  return 0;
}

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout (a log pipe gone) must not kill the server
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage;
    return args.empty() ? 1 : 0;
  }
  auto command = args[0];
  args.erase(args.begin());
  try {
    if (command == "serve") return serve(args);
    if (command == "backup" || command == "restore") return backup_command(command, args);
    if (command == "user" || command == "partnership" || command == "school" || command == "coordinator" || command == "unit")
      return admin(command, args);
    std::cerr << "coplan: unknown command '" << command << "'\n\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "coplan " << command << ": " << e.what() << "\n";
    return 1;
  }
}
