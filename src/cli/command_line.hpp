// Parsing a subcommand's options with Boost.Program_options, shared by `coplan` and `coplan-bench`:
// prints the options on --help and reports whether the command should go on.
#pragma once
#include <boost/program_options.hpp>
#include <string>
#include <vector>

namespace coplan::cli {

// Parses args into vm and runs the notifiers. Returns false after printing the options when
// --help was given (the caller then exits 0).
bool parse_command_line(const std::vector<std::string>& args,
                        const boost::program_options::options_description& opts,
                        boost::program_options::variables_map& vm);

}  // namespace coplan::cli
