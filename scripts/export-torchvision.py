#!/usr/bin/python3
"""Export torchvision's ImageNet classifiers to ONNX files ConvScope opens with their class
names and their normalization, for showing trained networks on photos in a lecture.

Run once on a machine with internet access (torchvision downloads the pretrained weights
there, into ~/.cache/torch), with Debian's PyTorch:

    /usr/bin/python3 scripts/export-torchvision.py --out ~/convscope-models resnet18 vgg16
    /usr/bin/python3 scripts/export-torchvision.py --list

then copy the folder to the lecture machine and open a file: `convscope ~/convscope-models/resnet18.onnx`
shows its graph and maps, and the top-5 ImageNet classes of the photo in the window.

Each file's metadata_props carry, as ConvScope reads them (engine/io/Onnx.h):
  class_names  JSON array of the 1000 ImageNet class names (torchvision ships them)
  mean, std    JSON arrays, one number per colour channel, on the [0, 1] scale
               (the weights' own transforms: 0.485, 0.456, 0.406 / 0.229, 0.224, 0.225)
  source       "torchvision NAME, weights W" (or "random weights")

--random writes the same files with random weights and no download (what ConvScope's tests
run here, where nothing can be fetched). Exit status 2 on a bad name or option.
"""
import argparse
import json
import os
import sys

import torch
import torchvision
from torchvision.models import _meta

# The classifiers whose operators ConvScope imports (docs/onnx.md), with their weights' enum.
MODELS = {
    "alexnet": "AlexNet_Weights",
    "vgg11": "VGG11_Weights",
    "vgg16": "VGG16_Weights",
    "vgg11_bn": "VGG11_BN_Weights",
    "resnet18": "ResNet18_Weights",
    "resnet34": "ResNet34_Weights",
    "resnet50": "ResNet50_Weights",
    "googlenet": "GoogLeNet_Weights",
    "densenet121": "DenseNet121_Weights",
    "mobilenet_v2": "MobileNet_V2_Weights",
    "squeezenet1_1": "SqueezeNet1_1_Weights",
    "mnasnet1_0": "MNASNet1_0_Weights",
}
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def export(name, out_dir, random_weights, opset, seed=0):
    import onnx

    torch.manual_seed(seed)  # random weights: the same on every run (tests rebuild them)
    builder = getattr(torchvision.models, name)
    weights = None
    if not random_weights:
        weights = getattr(torchvision.models, MODELS[name]).DEFAULT
    kwargs = {"weights": weights}
    mean, std = MEAN, STD
    if name == "googlenet":
        # Its pretrained weights turn transform_input on, which converts ImageNet-normalized
        # input to the (x − 0.5) / 0.5 the original weights expect with operations on the image
        # itself; off, the file asks for that normalization directly.
        kwargs["transform_input"] = False
        mean, std = [0.5] * 3, [0.5] * 3
        if random_weights:
            kwargs.update(aux_logits=False, init_weights=True)
    model = builder(**kwargs).eval()
    categories = list(weights.meta["categories"]) if weights is not None else list(_meta._IMAGENET_CATEGORIES)
    path = os.path.join(out_dir, name + ".onnx")
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        torch.onnx.export(model, x, path, opset_version=opset, input_names=["input"], output_names=["logits"],
                          do_constant_folding=True)
    proto = onnx.load(path)
    meta = {
        "class_names": json.dumps(categories),
        "mean": json.dumps(mean),
        "std": json.dumps(std),
        "source": f"torchvision {name}, " + (f"weights {weights}" if weights is not None else "random weights"),
    }
    del proto.metadata_props[:]
    for key, value in meta.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(proto)
    onnx.save(proto, path)
    print(f"{path}: {os.path.getsize(path) / 1e6:.1f} MB, {len(categories)} classes, {meta['source']}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="torchvision names (default: resnet18)")
    parser.add_argument("--out", default=".", help="folder for the .onnx files (made if missing)")
    parser.add_argument("--random", action="store_true", help="random weights: no download (for tests)")
    parser.add_argument("--opset", type=int, default=13, help="ONNX operator set (11 to 17; default 13)")
    parser.add_argument("--seed", type=int, default=0, help="the random weights' seed (with --random)")
    parser.add_argument("--list", action="store_true", help="list the names and exit")
    try:
        args = parser.parse_args()
    except SystemExit as e:
        sys.exit(2 if e.code else 0)
    if args.list:
        print("\n".join(MODELS))
        return 0
    names = args.names or ["resnet18"]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        print(f"export-torchvision: unknown network(s) {', '.join(unknown)}; one of: {', '.join(MODELS)}",
              file=sys.stderr)
        return 2
    if not 11 <= args.opset <= 17:
        print(f"export-torchvision: --opset {args.opset}: ConvScope reads 11 to 17", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    for name in names:
        try:
            export(name, args.out, args.random, args.opset, args.seed)
        except Exception as e:  # a download that fails names the network and why
            print(f"export-torchvision: {name}: {e}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
