package dev.cggm.features.encoders;

import dev.cggm.features.images.PreprocessorConfig;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * The encoders as the user named them (registry names or paths, as on the command line), so that
 * another JVM — a Spark executor — can open the same ones: {@link #textSpec()} and
 * {@link #imageSpec()} resolve the names there. Paths must be valid where they are resolved
 * (on a cluster: a file system every executor mounts at the same place).
 *
 * @param text               text encoder name or path
 * @param tokenizer          tokenizer.json for a text encoder given by path, or null
 * @param image              image encoder name or path
 * @param preprocessorConfig preprocessor_config.json overriding the image encoder's, or null
 * @param imageSize          resize images to this square size, or null for the encoder's
 * @param imageMean          normalisation mean (R, G, B), or null for the encoder's
 * @param imageStd           normalisation std (R, G, B), or null for the encoder's
 */
public record EncoderChoice(String text, String tokenizer, String image, String preprocessorConfig, Integer imageSize,
                            float[] imageMean, float[] imageStd) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The default encoders with their own preprocessing. */
    public static EncoderChoice defaults() {
        return new EncoderChoice(Encoders.DEFAULT_TEXT, null, Encoders.DEFAULT_IMAGE, null, null, null, null);
    }

    /** Checks the flags' own rules (mean, std) before anything is opened. */
    public EncoderChoice {
        if (imageMean != null && PreprocessorConfig.meanProblem(imageMean) != null) {
            throw new IllegalArgumentException("--image-mean: " + PreprocessorConfig.meanProblem(imageMean));
        }
        if (imageStd != null && PreprocessorConfig.stdProblem(imageStd) != null) {
            throw new IllegalArgumentException("--image-std: " + PreprocessorConfig.stdProblem(imageStd));
        }
        imageMean = imageMean == null ? null : imageMean.clone();
        imageStd = imageStd == null ? null : imageStd.clone();
    }

    public TextEncoderSpec textSpec() {
        return Encoders.text(text, tokenizer == null ? null : Path.of(tokenizer));
    }

    public ImageEncoderSpec imageSpec() {
        return Encoders.image(image, preprocessorConfig == null ? null : Path.of(preprocessorConfig));
    }

    /** The preprocessing to apply with {@code spec}: its own with the size, mean and std given here. */
    public PreprocessorConfig preprocessing(ImageEncoderSpec spec) {
        return spec.preprocessingWith(imageSize, imageMean, imageStd);
    }
}
