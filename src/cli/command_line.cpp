// Parsing a subcommand's options (see command_line.hpp).
#include "cli/command_line.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace coplan::cli {

bool parse_command_line(const std::vector<std::string>& args, const po::options_description& opts,
                        po::variables_map& vm) {
  po::store(po::command_line_parser(args).options(opts).run(), vm);
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return false;
  }
  po::notify(vm);
  return true;
}

}  // namespace coplan::cli
