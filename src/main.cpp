// The `coplan` command: `coplan serve` runs the server; `coplan --help` lists the subcommands.
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>

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
    "  help      show this text; `coplan <command> --help` shows a command's options\n";

int serve(const std::vector<std::string>& args) {
  net::server_config c;
  std::string sync = c.synchronous;
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
      ("allowed-origin", po::value(&c.allowed_origins)->composing(), "extra allowed Origin (repeatable)")
      ("demo", po::bool_switch(&demo), "create the demo partnership when the database is empty");
  po::variables_map vm;
  po::store(po::command_line_parser(args).options(opts).run(), vm);
  po::notify(vm);
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return 0;
  }
  if (sync != "FULL" && sync != "NORMAL") throw std::runtime_error("--synchronous must be FULL or NORMAL");
  c.synchronous = sync;

  net::server srv(c);
  if (demo && unit::demo_seed::run_if_empty(srv.registry(), srv.accounts(), srv.writer(), srv.hasher()))
    std::cout << "Created the demo partnership in " << c.db_path() << "\n";
  auto port = srv.start();
  std::string host = c.address == "0.0.0.0" ? "localhost" : c.address;
  std::cout << "Coplan is running at http://" << host << ":" << port << "/\n";
  if (demo) {
    const auto& l = unit::demo_seed::librarian();
    const auto& t = unit::demo_seed::teacher();
    std::cout << "Demo sign-ins:  librarian: " << l.username << " / " << l.password << "    teacher: " << t.username
              << " / " << t.password << "\n";
  }
  std::cout << "Press Ctrl+C to stop." << std::endl;

  boost::asio::io_context signals_ctx;
  boost::asio::signal_set signals(signals_ctx, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { srv.stop(); });
  signals_ctx.run();
  std::cout << "Coplan stopped." << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::cout << usage;
    return args.empty() ? 1 : 0;
  }
  auto command = args[0];
  args.erase(args.begin());
  try {
    if (command == "serve") return serve(args);
    std::cerr << "coplan: unknown command '" << command << "'\n\n" << usage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "coplan " << command << ": " << e.what() << "\n";
    return 1;
  }
}
