/**
 * Neural-network building blocks on top of autograd: modules, layers, recurrent networks, losses,
 * initialisation and checkpoints.
 *
 * <p>{@link dev.tapegrad.nn.Block} is a tree of named parameters and submodules with PyTorch's
 * names and order, so state dicts and safetensors files move between tapegrad and PyTorch. Dense
 * layers extend {@link dev.tapegrad.nn.Layer}. The recurrent family follows the history of the
 * field: the time-delay network ({@link dev.tapegrad.nn.TimeDelay}), Elman and Jordan networks
 * ({@link dev.tapegrad.nn.RnnCell}, {@link dev.tapegrad.nn.JordanCell}), LSTM and GRU ({@link
 * dev.tapegrad.nn.LstmCell}, {@link dev.tapegrad.nn.GruCell}), and the multi-layer sequence layers
 * {@link dev.tapegrad.nn.Rnn}, {@link dev.tapegrad.nn.Lstm} and {@link dev.tapegrad.nn.Gru}. Dense
 * layers are composed from autograd ops; a recurrent cell step, and each layer and direction of a
 * sequence layer, is one fused tape node checked against the composed cell ({@link
 * dev.tapegrad.nn.FusedRecurrence}). {@link dev.tapegrad.nn.BlockGradCheck} checks a whole model's
 * gradients from a JUnit test.
 *
 * <p>Every layer that needs randomness takes a {@code RandomGenerator} as its last constructor
 * argument (see {@link dev.tapegrad.nn.Init}); one seeded generator reproduces a model.
 */
package dev.tapegrad.nn;
