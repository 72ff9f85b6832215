// The command line's dispatch: the table of commands, `convscope --help`, and the exit status
// (2 for bad input, 1 for an internal failure). The commands live one per file (CliConv.cpp,
// CliTrain.cpp, ...); the window's start check is WindowOptions.cpp.
#include "app/cli/Cli.h"
#include "app/cli/CliCommon.h"
#include "app/WindowOptions.h"

#include <QCommandLineOption>

#include <algorithm>
#include <stdexcept>

namespace convscope::cli {

namespace {

// Every command: its name, its line in `convscope --help`, and its function (CliCommon.h;
// each in a file of its own). Adding a command is its file and a line here.
using Args = std::vector<std::string>;
struct Command {
  std::string name;
  std::string summary;
  int (*run)(const Args& args, std::ostream& out, std::ostream& err);
};
const std::vector<Command>& commands() {
  static const std::vector<Command> list{
      {"conv", "convolve an image or a matrix with one or more kernels",
       [](const Args& a, std::ostream& o, std::ostream&) { return conv(a, o); }},
      {"deconv", "transposed convolution: each input cell's kernel scattered, overlaps counted, one cell explained",
       [](const Args& a, std::ostream& o, std::ostream&) { return deconv(a, o); }},
      {"pool", "max, average or sum pooling of an image or a matrix",
       [](const Args& a, std::ostream& o, std::ostream&) { return pool(a, o); }},
      {"explain", "show every multiply-add of one convolution output cell",
       [](const Args& a, std::ostream& o, std::ostream&) { return explain(a, o); }},
      {"gradient", "the backward pass of one convolution: every gradient, one written out",
       [](const Args& a, std::ostream& o, std::ostream&) { return gradient(a, o); }},
      {"kernels", "list the classic kernels with their values",
       [](const Args& a, std::ostream& o, std::ostream&) { return kernels(a, o); }},
      {"scenes", "compose scenes of digits with their masks and boxes (segmentation and detection data)",
       [](const Args& a, std::ostream& o, std::ostream&) { return scenes(a, o); }},
      {"train", "train a network (LeNet-5 on the digits, ...) and save it", train},
      {"eval", "accuracy and loss of a trained model on a test set",
       [](const Args& a, std::ostream& o, std::ostream&) { return evaluateCommand(a, o); }},
      {"predict", "classify one image with a trained model",
       [](const Args& a, std::ostream& o, std::ostream&) { return predict(a, o); }},
      {"segment", "each pixel's class with a trained segmentation model (mini-unet on the scenes)",
       [](const Args& a, std::ostream& o, std::ostream&) { return segment(a, o); }},
      {"detect", "a trained detector's boxes on one image (mini-ssd on the scenes), drawn and labelled",
       [](const Args& a, std::ostream& o, std::ostream&) { return detect(a, o); }},
      {"iou", "the intersection over union of two boxes, worked out",
       [](const Args& a, std::ostream& o, std::ostream&) { return iouCommand(a, o); }},
      {"nms", "non-maximum suppression of a boxes file, decision by decision",
       [](const Args& a, std::ostream& o, std::ostream&) { return nmsCommand(a, o); }},
      {"generate", "images from a trained VAE or GAN: samples, or a walk between two digits' codes or two seeds",
       [](const Args& a, std::ostream& o, std::ostream&) { return generate(a, o); }},
      {"reconstruct", "one image through a trained VAE: its code and the decoder's image of it",
       [](const Args& a, std::ostream& o, std::ostream&) { return reconstruct(a, o); }},
      {"upscale", "super-resolution GANs side by side on shrunk test digits: PSNR, blur, the discriminator, a grid",
       [](const Args& a, std::ostream& o, std::ostream&) { return upscale(a, o); }},
      {"saliency", "why a trained model gave a class: the pixels its score depends on",
       [](const Args& a, std::ostream& o, std::ostream&) { return saliency(a, o); }},
      {"attack", "adversarial examples: FGSM or PGD within ε, one image or a test set's accuracy before and after",
       [](const Args& a, std::ostream& o, std::ostream&) { return attack(a, o); }},
      {"visualize", "what a unit wants to see: gradient ascent on the input, with switchable regularizers",
       [](const Args& a, std::ostream& o, std::ostream&) { return visualize(a, o); }},
      {"receptive-field", "how much of the input each layer's units see: size, jump and start, layer by layer",
       [](const Args& a, std::ostream& o, std::ostream&) { return receptiveField(a, o); }},
      {"summary", "a network's layers: output shapes, parameters and multiply-adds, nested by block",
       [](const Args& a, std::ostream& o, std::ostream&) { return summary(a, o); }},
      {"run", "one input through a network (preset, model file, layer list or ONNX): its output",
       [](const Args& a, std::ostream& o, std::ostream&) { return runCommand(a, o); }},
      {"export", "write a model as ONNX, for Netron, OpenCV and PyTorch users",
       [](const Args& a, std::ostream& o, std::ostream&) { return exportCommand(a, o); }},
      {"bench", "images per second of training or inference (bench train|infer)",
       [](const Args& a, std::ostream& o, std::ostream&) { return bench(a, o); }},
  };
  return list;
}

} // namespace

std::string topLevelHelp() {
  std::string text =
      std::string("ConvScope ") + CONVSCOPE_VERSION +
      ": see, step through and train convolutional neural networks.\n\n"
      "Usage: convscope [FILE] [WINDOW OPTIONS]  open the application (on FILE: an image, a matrix, a model or\n"
      "                                          a lecture file, .convscope)\n"
      "       convscope COMMAND [OPTIONS]        run a command-line command\n\nWindow options:\n";
  for (const QCommandLineOption& o : windowOptions()) {
    std::string name("--");
    name += o.names().first().toStdString();
    if (!o.valueName().isEmpty()) name.append(" ").append(o.valueName().toStdString());
    text.append("  ").append(name).append(name.size() < 22 ? 22 - name.size() : 1, ' ');
    text.append(o.description().toStdString()).append("\n");
  }
  text += "\nCommands:\n";
  size_t width = 0; // the longest name and two spaces
  for (const Command& c : commands()) width = std::max(width, c.name.size() + 2);
  for (const Command& c : commands()) text += "  " + c.name + std::string(width - c.name.size(), ' ') + c.summary + "\n";
  text += "\nRun 'convscope COMMAND --help' for a command's options.\n"
          "Exit status: 0 success, 2 bad input (file, number or geometry), 1 internal error (or, for the window, no "
          "display).\n";
  return text;
}

int unknownCommand(const std::string& command, std::ostream& err) {
  err << kProgram << ": unknown command '" << command << "'\n\n" << topLevelHelp();
  return 2;
}

bool isCliInvocation(const std::vector<std::string>& args) {
  if (args.empty()) return false;
  const std::string& first = args[0];
  if (first == "--help" || first == "-h" || first == "help" || first == "--version" || first == "-v") return true;
  return std::any_of(commands().begin(), commands().end(), [&](const Command& c) { return c.name == first; });
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    out << topLevelHelp();
    return 0;
  }
  if (args[0] == "--version" || args[0] == "-v") {
    out << "convscope " << CONVSCOPE_VERSION << "\n";
    return 0;
  }
  const std::string command = args[0];
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    for (const Command& c : commands())
      if (c.name == command) return c.run(rest, out, err);
    return unknownCommand(command, err);
  } catch (const std::invalid_argument& e) { // bad input: files, numbers, geometry
    err << kProgram << " " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    err << kProgram << " " << command << ": internal error: " << e.what() << "\n";
    return 1;
  }
}

} // namespace convscope::cli
