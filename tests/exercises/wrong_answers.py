# ruff: noqa: E501 - a table of code snippets, each kept on the lines it replaces
"""Submissions a student could plausibly hand in, for every question of the book.

Each entry edits the chapter's own solution cell: ``(mistake, old, new)`` replaces the text
``old`` of the solution by ``new``. ``WRONG`` holds the mistakes students really make for each
task; ``DELEGATING`` an answer that calls the book's helpers or PyTorch instead of doing the
work. The autograder must give each of them less than full marks (a delegating answer: zero).
``test_assignments.py`` grades them in batches: submission ``i`` of a chapter carries variant
``i`` of every question at once (each question is scored on its own).
"""

WRONG = {
    "ch01-hidden-permutation": [
        ("b1 left in place", "return W1[perm], b1[perm], W2[:, perm]",
         "return W1[perm], b1, W2[:, perm]"),
        ("W2 rows instead of columns", "return W1[perm], b1[perm], W2[:, perm]",
         "return W1[perm], b1[perm], W2[perm % W2.shape[0]]"),
        ("W1 columns instead of rows", "return W1[perm], b1[perm], W2[:, perm]",
         "return W1[:, perm % W1.shape[1]], b1[perm], W2[:, perm]"),
        ("the inverse permutation", "perm = np.asarray(perm)", "perm = np.argsort(perm)"),
    ],
    "ch01-weight-counts": [
        ("no 2h - 1 offsets", "equivariant = (2 * h - 1) * (2 * w - 1) * c_in * c_out",
         "equivariant = h * w * c_in * c_out"),
        ("window of 2 delta", "local = (2 * delta + 1) ** 2 * c_in * c_out",
         "local = (2 * delta) ** 2 * c_in * c_out"),
        ("channels forgotten in the full layer", "full = (h * w * c_in) * (h * w * c_out)",
         "full = (h * w) ** 2"),
        ("biases counted", "local = (2 * delta + 1) ** 2 * c_in * c_out",
         "local = (2 * delta + 1) ** 2 * c_in * c_out + c_out"),
    ],
    "ch01-scramble-knn": [
        ("the inverse permutation", "[:, perm]", "[:, np.argsort(perm)]"),
        ("width and height swapped", ".reshape(images.shape)",
         ".reshape(n_images, images.shape[2], images.shape[1])"),
        ("rows permuted, not pixels", "return images.reshape(n_images, -1)[:, perm].reshape(images.shape)",
         "return images[:, perm % images.shape[1]].reshape(images.shape)"),
    ],
    "ch01-permutation-equivariant": [
        ("sorting taken for equivariant (it is invariant)", '{"a", "c", "f"}', '{"a", "c", "d", "f"}'),
        ("mean subtraction left out (it mixes the entries)", '{"a", "c", "f"}', '{"a", "f"}'),
        ("the circular correlation taken for equivariant", '{"a", "c", "f"}', '{"a", "c", "e", "f"}'),
        ("only the element-wise ReLU", '{"a", "c", "f"}', '{"a"}'),
    ],
    "ch02-ball-ratio": [
        ("radius 1 instead of diameter 1", " - n * math.log(2)", ""),
        ("Gamma(n/2) instead of Gamma(n/2 + 1)", "math.lgamma(0.5 * n + 1)", "math.lgamma(0.5 * n)"),
        ("math.gamma: overflows for large n",
         "log_ratio = 0.5 * n * math.log(math.pi) - math.lgamma(0.5 * n + 1) - n * math.log(2)\n"
         "    return math.exp(log_ratio)",
         "return math.pi ** (n / 2) / (2**n * math.gamma(n / 2 + 1))"),
    ],
    "ch02-rind-thickness": [
        ("a fraction of the radius", "return (1 - alpha) / 2", "return 1 - alpha"),
        ("core and rind swapped", "alpha = (1 - fraction) ** (1 / n)",
         "alpha = fraction ** (1 / n)"),
        ("one dimension too few", "    return n\n", "    return n - 1\n"),
    ],
    "ch02-corners": [
        ("the global generator", "points = rng.random((m, n))", "points = np.random.random((m, n))"),
        ("inside instead of outside", "> 0.5))", "<= 0.5))"),
        ("distance from a corner", "np.linalg.norm(points - 0.5, axis=1)",
         "np.linalg.norm(points, axis=1)"),
    ],
    "ch02-image-samples": [
        ("natural logarithm", "return -d * math.log10(eps)", "return -d * math.log(eps)"),
        ("channels forgotten", "    d = height * width * channels", "    d = height * width"),
        ("the last side that fits", "    return s\n", "    return s - 1\n"),
    ],
    "ch02-distance-concentration": [
        ("the absolute spread taken to shrink", '{"a", "e", "f"}', '{"a", "d", "e", "f"}'),
        ("distances taken to approach the diameter", '{"a", "e", "f"}', '{"a", "c", "e", "f"}'),
        ("the nearest point taken to come closer", '{"a", "e", "f"}', '{"a", "b", "f"}'),
    ],
    "ch03-strided-correlation": [
        ("padding on one side", "padded = np.pad(np.asarray(x, dtype=float), padding)",
         "padded = np.pad(np.asarray(x, dtype=float), (padding, 0))"),
        ("a convolution (kernel flipped)", "w = np.asarray(w, dtype=float)",
         "w = np.asarray(w, dtype=float)[::-1]"),
        ("the last window dropped", "len(padded) - len(w) + 1", "len(padded) - len(w)"),
        ("windows from the first stride", "starts = range(0, ", "starts = range(stride - 1, "),
    ],
    "ch03-build-matrix": [
        ("'same' centred the other way", "left = 0 if mode == \"valid\" else m // 2",
         "left = 0 if mode == \"valid\" else (m - 1) // 2"),
        ("a convolution matrix", "A[i, col % n] += w[j]", "A[i, col % n] += w[m - 1 - j]"),
        ("no wrap-around in circular mode", "A[i, col % n] += w[j]",
         "A[i, col] = w[j] if 0 <= col < n else 0"),
    ],
    "ch03-combined-kernel": [
        ("a correlation of the kernels", 'return conv.convolve1d(u, v, "full")',
         'return conv.correlate1d(u, v, "full")'),
        ("v flipped", 'return conv.convolve1d(u, v, "full")',
         'return conv.convolve1d(u, np.asarray(v)[::-1], "full")'),
        ("the wrong mode", 'return conv.convolve1d(u, v, "full")',
         'return conv.convolve1d(u, v, "same")'),
    ],
    "ch03-conv-gradient": [
        ("dL/dx as a correlation", 'dL_dx = conv.convolve1d(g, w, "full")',
         'dL_dx = conv.correlate1d(g, w, "full")'),
        ("dL/dw with x and g swapped", 'dL_dw = conv.correlate1d(x, g, "valid")',
         'dL_dw = conv.correlate1d(g, x, "full")[:len(w)]'),
        ("the pair in the wrong order", "return dL_dx, dL_dw", "return dL_dw, dL_dx"),
        ("dL/dx in mode same", 'dL_dx = conv.convolve1d(g, w, "full")',
         'dL_dx = np.resize(conv.convolve1d(g, w, "same"), len(x))'),
    ],
    "ch03-equivariance-error": [
        ("the signed difference", "np.abs(f(np.roll(x, shift)) - np.roll(f(x), shift)).max()",
         "(f(np.roll(x, shift)) - np.roll(f(x), shift)).max()"),
        ("rolled back the other way", "np.roll(f(x), shift)", "np.roll(f(x), -shift)"),
        ("the mean, not the maximum", ").max())", ").mean())"),
    ],
    "ch03-shift-equivariant-maps": [
        ("zero padding taken for equivariant", '{"b", "e", "f"}', '{"b", "d", "e", "f"}'),
        ("the transpose left out", '{"b", "e", "f"}', '{"b", "e"}'),
        ("reversal taken for equivariant", '{"b", "e", "f"}', '{"a", "b", "e", "f"}'),
    ],
    "ch04-output-size": [
        ("padding on one side", "return (n + 2 * p - k) // s + 1", "return (n + p - k) // s + 1"),
        ("no floor", "return (n + 2 * p - k) // s + 1", "return (n + 2 * p - k) / s + 1"),
        ("no + 1", "return (n + 2 * p - k) // s + 1", "return (n + 2 * p - k) // s"),
    ],
    "ch04-stride-padding": [
        ("padding on one side", "(padding, padding), (padding, padding)]",
         "(padding, 0), (padding, 0)]"),
        ("a convolution (filters flipped)", "* w[o])", "* w[o, :, ::-1, ::-1])"),
        ("first input channel only", "out[o, i, j] = np.sum(xp[:, top:top + kh, left:left + kw] * w[o])",
         "out[o, i, j] = np.sum(xp[0, top:top + kh, left:left + kw] * w[o, 0])"),
        ("stride added, not multiplied", "top, left = i * stride, j * stride",
         "top, left = i + stride - 1, j + stride - 1"),
    ],
    "ch04-layer-cost": [
        ("no biases", "params = c_out * (k * k * c_in + 1)", "params = c_out * k * k * c_in"),
        ("FLOPs instead of multiply-adds", "macs = c_out * h_out * w_out * k * k * c_in",
         "macs = 2 * c_out * h_out * w_out * k * k * c_in"),
        ("one filter", "params = c_out * (k * k * c_in + 1)", "params = k * k * c_in + 1"),
    ],
    "ch04-backward-input": [
        ("channel axes not swapped", ".transpose(1, 0, 2, 3)", ".transpose(0, 1, 2, 3)"),
        ("kernel not flipped", "weight[:, :, ::-1, ::-1]", "weight[:, :, :, :]"),
        ("padding not cropped", "return grad_padded[:, :, padding:H - padding, padding:W - padding]",
         "return grad_padded"),
    ],
    "ch04-separable": [
        ("V instead of V transposed", "return scale * U[:, 0], scale * Vt[0]",
         "return scale * U[:, 0], scale * Vt[:, 0]"),
        ("the singular value forgotten", "scale = np.sqrt(sigma[0])", "scale = 1.0"),
        ("first row and column", "U, sigma, Vt = np.linalg.svd(kernel)",
         "return kernel[:, 0], kernel[0] / kernel[0, 0]\n    U, sigma, Vt = np.linalg.svd(kernel)"),
    ],
    "ch04-field-or-size": [
        ("padding taken to widen the field", 'changes_field = {"b", "c", "e"}',
         'changes_field = {"a", "b", "c", "e"}'),
        ("stride taken to leave the field alone", 'changes_field = {"b", "c", "e"}',
         'changes_field = {"b", "e"}'),
        ("dilation taken to shrink the output", 'changes_size = {"a", "c", "e"}',
         'changes_size = {"a", "b", "c", "e"}'),
        ("pooling taken to change the size only", 'changes_field = {"b", "c", "e"}',
         'changes_field = {"b", "c"}'),
    ],
    "ch04-wide-view": [
        ("a plain 3x3 stack: a 9x9 field", "for d in (1, 2, 4, 8)])", "for d in (1, 1, 1, 1)])"),
        ("dilations 2, 4, 8, 16: holes in the field", "for d in (1, 2, 4, 8)])",
         "for d in (2, 4, 8, 16)])"),
        ("three layers: a 15x15 field", "for d in (1, 2, 4, 8)])", "for d in (1, 2, 4)])"),
        ("padding 1 whatever the dilation: the output shrinks", "padding=d, dilation=d)",
         "padding=1, dilation=d)"),
        ("the width taken from a formula, not measured",
         "wide_view_field = int(cols.max() - cols.min() + 1)", "wide_view_field = 1 + 4 * 2"),
    ],
    "ch05-maxpool-backward": [
        ("every tied maximum", "winner = windows.reshape(n, c, ho, wo, k * k).argmax(axis=-1)",
         "flat = windows.reshape(n, c, ho, wo, k * k)\n"
         "    winner = (k * k - 1) - flat[..., ::-1].argmax(axis=-1)"),
        ("spread evenly (average pooling)", "grad_x[nn_, cc, ii * k + di, jj * k + dj] = grad_out",
         "grad_x[:, :, : ho * k, : wo * k] = np.repeat(np.repeat(grad_out, k, 2), k, 3) / k**2"),
        ("rows and columns swapped", "di, dj = np.divmod(winner, k)", "dj, di = np.divmod(winner, k)"),
    ],
    "ch05-blur-pool": [
        ("zero padding", 'mode="reflect")', 'mode="constant")'),
        ("not normalised", "filt = np.outer(row, row) / row.sum() ** 2", "filt = np.outer(row, row)"),
        ("padding split the other way", "before, after = (m - 1) // 2, m // 2",
         "before, after = m // 2, (m - 1) // 2"),
        ("starting at the second pixel", "return out[..., ::stride, ::stride]",
         "return out[..., stride - 1::stride, stride - 1::stride]"),
    ],
    "ch05-fraction-changed": [
        ("all outputs, not the active ones", "return float(np.mean(before[active] != after[active]))",
         "return float(np.mean(before != after))"),
        ("shifted along the wrong axes", "moved = np.roll(maps, shift, axis=(-2, -1))",
         "moved = np.roll(maps, shift, axis=(0, 1))"),
        ("rows that wrap around set to zero", "moved = np.roll(maps, shift, axis=(-2, -1))",
         "moved = np.roll(maps, shift, axis=(-2, -1))\n    moved[..., : abs(shift[0]), :] = 0"),
    ],
    "ch06-softmax-ce-grad": [
        ("no log-sum-exp shift", "z = logits - logits.max(axis=1, keepdims=True)", "z = logits"),
        ("gradient not divided by N", "return float(loss), grad / n", "return float(loss), grad"),
        ("summed loss", "loss = -log_q[np.arange(n), labels].mean()",
         "loss = -log_q[np.arange(n), labels].sum()"),
    ],
    "ch06-linear-backward": [
        ("grad_weight transposed", "grad_weight = grad_out.T @ x", "grad_weight = x.T @ grad_out"),
        ("mean over the batch for the bias", "grad_bias = grad_out.sum(axis=0)",
         "grad_bias = grad_out.mean(axis=0)"),
        ("bias summed over the wrong axis", "grad_bias = grad_out.sum(axis=0)",
         "grad_bias = grad_out.sum(axis=1)[: weight.shape[0]]"),
    ],
    "ch06-conv-weight-grad": [
        ("averaged over the batch", "    return grad_w", "    return grad_w / x.shape[0]"),
        ("a flipped kernel", "grad_w[:, :, a, b] = ", "grad_w[:, :, k - 1 - a, k - 1 - b] = "),
        ("first image only", 'np.einsum("nfij,ncij->fc", grad_out, window)',
         'np.einsum("fij,cij->fc", grad_out[0], window[0])'),
    ],
    "ch07-batchnorm-backward": [
        ("the mean term forgotten", "grad_x = (g - g.mean(axis=axes, keepdims=True)\n",
         "grad_x = (g\n"),
        ("unbiased variance", "x.var(axis=axes, keepdims=True)", "x.var(axis=axes, keepdims=True, ddof=1)"),
        ("gamma left out", "g = grad_out * weight.reshape(shape)", "g = grad_out"),
        ("bias gradient averaged", "grad_out.sum(axis=axes)", "grad_out.mean(axis=axes)"),
    ],
    "ch07-residual-block": [
        ("no ReLU after the sum", "return torch.relu(self.f(x) + (x if self.shortcut is None else self.shortcut(x)))",
         "return self.f(x) + (x if self.shortcut is None else self.shortcut(x))"),
        ("shortcut never added", "return torch.relu(self.f(x) + (x if self.shortcut is None else self.shortcut(x)))",
         "return torch.relu(self.f(x))"),
        ("projection only when channels change", "if stride != 1 or in_channels != out_channels:",
         "if in_channels != out_channels:"),
        ("stride on the second convolution", "nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)",
         "nn.Conv2d(out_channels, out_channels, 3, stride, 1, bias=False)"),
    ],
    "ch07-deep-init-experiment": [
        ("Xavier's variance for ReLU", "math.sqrt(2.0 / m.in_features)", "math.sqrt(1.0 / m.in_features)"),
        ("variance instead of standard deviation", "math.sqrt(2.0 / m.in_features)", "2.0 / m.in_features"),
        ("fan-out instead of fan-in, squared", "math.sqrt(2.0 / m.in_features)",
         "math.sqrt(2.0 / m.in_features) * 4"),
    ],
    "ch08-vgg-params": [
        ("no biases", "total += kernel * kernel * c_in * c_out + c_out",
         "total += kernel * kernel * c_in * c_out"),
        ("1x1 layers counted as 3x3", "kernel, c_out = (1, item[1]) if", "kernel, c_out = (3, item[1]) if"),
        ("the 7x7 map forgotten", "(c_in * 7 * 7, 4096)", "(c_in, 4096)"),
    ],
    "ch08-inception-block": [
        ("no ReLUs", "return [nn.Conv2d(c_in, c_out, k, padding=k // 2), nn.ReLU()]",
         "return [nn.Conv2d(c_in, c_out, k, padding=k // 2)]"),
        ("pool branch: projection before pooling",
         "self.b4 = nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1),\n"
         "                                *conv(in_channels, pool_proj, 1))",
         "self.b4 = nn.Sequential(*conv(in_channels, pool_proj, 1),\n"
         "                                nn.MaxPool2d(3, stride=1, padding=1))"),
        ("branches in the wrong order", "[self.b1(x), self.b2(x), self.b3(x), self.b4(x)]",
         "[self.b1(x), self.b3(x), self.b2(x), self.b4(x)]"),
        ("average pooling", "nn.MaxPool2d(3, stride=1, padding=1)", "nn.AvgPool2d(3, stride=1, padding=1)"),
    ],
    "ch08-alexnet-sizes": [
        ("conv2 without padding", "(5, 1, 2)", "(5, 1, 0)"),
        ("pool5 forgotten", "(3, 1, 1), (3, 1, 1), (3, 1, 1),\n              (3, 2, 0)]",
         "(3, 1, 1), (3, 1, 1), (3, 1, 1)]"),
        ("pooling stride 3", "(3, 2, 0), (5, 1, 2), (3, 2, 0)", "(3, 3, 0), (5, 1, 2), (3, 3, 0)"),
    ],
    "ch05-pooling-concepts": [
        ("a one-pixel shift taken to keep the maxima", 'pooling_true = {"B", "C", "E"}',
         'pooling_true = {"A", "B", "C", "E"}'),
        ("blur pooling taken as exact invariance", 'pooling_true = {"B", "C", "E"}',
         'pooling_true = {"B", "C", "D", "E"}'),
        ("aliasing not recognised", 'pooling_true = {"B", "C", "E"}', 'pooling_true = {"B", "E"}'),
        ("max pooling's gradient split evenly", 'pooling_true = {"B", "C", "E"}',
         'pooling_true = {"B", "C", "E", "F"}'),
    ],
    "ch06-gradient-concepts": [
        ("the correct logit's gradient taken as positive", 'gradient_true = {"A", "B", "F"}',
         'gradient_true = {"A", "B", "D", "F"}'),
        ("a larger learning rate taken as always faster", 'gradient_true = {"A", "B", "F"}',
         'gradient_true = {"A", "B", "E", "F"}'),
        ("softmax's shift invariance missed", 'gradient_true = {"A", "B", "F"}',
         'gradient_true = {"A", "B", "C", "F"}'),
    ],
    "ch06-learning-rate-experiment": [
        ("a tutorial's constant 0.01", "return 0.5 * (1 + np.cos(np.pi * step / 100))", "return 0.01"),
        ("too large a rate", "return 0.5 * (1 + np.cos(np.pi * step / 100))", "return 2.0"),
        ("halved at every step instead of every few epochs",
         "return 0.5 * (1 + np.cos(np.pi * step / 100))", "return 0.5 * 0.5 ** step"),
    ],
    "ch07-normalisation-concepts": [
        ("training and evaluation modes swapped", 'normalisation_true = {"A", "C", "D", "E"}',
         'normalisation_true = {"B", "D", "E"}'),
        ("shortcuts taken to save parameters", 'normalisation_true = {"A", "C", "D", "E"}',
         'normalisation_true = {"A", "C", "D", "E", "F"}'),
        ("the identity argument missed", 'normalisation_true = {"A", "C", "D", "E"}',
         'normalisation_true = {"A", "C", "E"}'),
    ],
    "ch08-cost-concepts": [
        ("the arithmetic put where the parameters are", 'cost_true = {"A", "C", "D", "G"}',
         'cost_true = {"A", "B", "C", "D", "G"}'),
        ("parameters taken to grow with the image", 'cost_true = {"A", "C", "D", "G"}',
         'cost_true = {"A", "C", "D", "E", "G"}'),
        ("the 1x1 bottleneck taken as more expensive", 'cost_true = {"A", "C", "D", "G"}',
         'cost_true = {"A", "C", "G"}'),
    ],
    "ch08-shifted-digits-experiment": [
        ("LeNet-like: flatten and a linear layer",
         "    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),\n"
         "                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),\n"
         "                         nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(32, 10))",
         "    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),\n"
         "                         nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),\n"
         "                         nn.Flatten(), nn.Linear(16 * 3 * 3, 10))"),
        ("global average pooling", "nn.AdaptiveMaxPool2d(1)", "nn.AdaptiveAvgPool2d(1)"),
        ("a multilayer perceptron",
         "    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),\n",
         "    return nn.Sequential(nn.Flatten(), nn.Linear(144, 32), nn.ReLU(), nn.Linear(32, 10))\n"
         "    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),\n"),
        ("over the parameter budget",
         "nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),\n"
         "                         nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(32, 10))",
         "nn.Conv2d(16, 64, 3, padding=1), nn.ReLU(),\n"
         "                         nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(64, 10))"),
    ],
}

DELEGATING = {
    "ch01-hidden-permutation": ("perm = np.asarray(perm)",
                                "perm = symmetry.invert_permutation(symmetry.invert_permutation(perm))"),
    "ch01-weight-counts": ("local = (2 * delta + 1) ** 2 * c_in * c_out",
                           "local = models.count_params(torch.nn.Conv2d(c_in, c_out, 2 * delta + 1,"
                           " bias=False))"),
    "ch01-scramble-knn": ("n_images = images.shape[0]\n    return images.reshape(n_images, -1)[:, perm]"
                          ".reshape(images.shape)",
                          "return symmetry.permute_pixels(images, perm)"),
    "ch02-ball-ratio": ("return math.exp(log_ratio)", "return dims.ball_to_cube_volume_ratio(n)"),
    "ch02-rind-thickness": ("return (1 - alpha) / 2",
                            "return (1 - dims.half_length(n, 1 - fraction)) / 2"),
    "ch02-corners": ("points = rng.random((m, n))",
                     "return 1 - dims.ball_to_cube_volume_ratio(n) + 0 * rng.random()\n"
                     "    points = rng.random((m, n))"),
    "ch02-image-samples": ("return -d * math.log10(eps)", "return dims.log10_samples_needed(eps, d)"),
    "ch03-strided-correlation": ("return np.array([padded[s:s + len(w)] @ w for s in starts])",
                                 "return torch.nn.functional.conv1d(torch.tensor(padded)[None, None],"
                                 " torch.tensor(w)[None, None], stride=stride)[0, 0].numpy()"),
    "ch03-build-matrix": ("    return A", "    return conv.conv_matrix(w, n, mode)"),
    "ch03-conv-gradient": ('dL_dx = conv.convolve1d(g, w, "full")',
                           'x_t = torch.tensor(x, requires_grad=True)\n'
                           '    torch.nn.functional.conv1d(x_t[None, None], torch.tensor(w)[None, None])'
                           '[0, 0].backward(torch.tensor(g))\n    dL_dx = x_t.grad.numpy()'),
    "ch03-equivariance-error": ("x = np.asarray(x, dtype=float)",
                                "return symmetry.equivariance_error(f, lambda v: np.roll(v, shift), x)"),
    "ch04-output-size": ("return (n + 2 * p - k) // s + 1", "return conv.conv_output_size(n, k, s, p)"),
    "ch04-stride-padding": ("    C_out, C_in, kh, kw = w.shape",
                            "    return conv.conv2d(x[None], w, stride=stride, padding=padding)[0]\n"
                            "    C_out, C_in, kh, kw = w.shape"),
    "ch04-layer-cost": ("params = c_out * (k * k * c_in + 1)",
                        "from helpers import models\n"
                        "    params = models.count_params(torch.nn.Conv2d(c_in, c_out, k))"),
    "ch04-backward-input": ("    k = weight.shape[-1]\n",
                            "    k = weight.shape[-1]\n"
                            "    n, _, h, w = grad_out.shape\n"
                            "    x = np.zeros((n, weight.shape[1], h + k - 1 - 2 * padding,"
                            " w + k - 1 - 2 * padding))\n"
                            "    return conv.conv2d_backward(grad_out, x, weight, padding=padding)[0]\n"),
    "ch05-maxpool-backward": ("    n, c, h, w = x.shape\n",
                              "    return pool.max_pool2d_backward(grad_out, x, k)\n"),
    "ch05-blur-pool": ("    row = np.array([1.0])\n", "    return pool.blur_pool2d(x, m, stride)\n"),
    "ch05-fraction-changed": ("    before, after = max_pool(maps), max_pool(moved)",
                              "    from helpers import pool as pooling  # the argument is named pool\n"
                              "    before, after = pooling.max_pool2d(maps, k), pooling.max_pool2d(moved, k)"),
    "ch06-softmax-ce-grad": ("    z = logits - ",
                             "    t = torch.tensor(logits, requires_grad=True)\n"
                             "    loss = torch.nn.functional.cross_entropy(t, torch.tensor(labels))\n"
                             "    loss.backward()\n"
                             "    return float(loss), t.grad.numpy()\n"
                             "    z = logits - "),
    "ch06-linear-backward": ("    grad_x = grad_out @ weight ",
                             "    layer = L.Linear(weight.shape[1], weight.shape[0])\n"
                             "    grad_x = grad_out @ weight "),
    "ch06-conv-weight-grad": ("    k = kernel_size\n",
                              "    k = kernel_size\n"
                              "    w = np.zeros((grad_out.shape[1], x.shape[1], k, k))\n"
                              "    return conv.conv2d_backward(grad_out, x, w)[1]\n"),
    "ch07-batchnorm-backward": ("    axes, shape = (0, 2, 3), (1, -1, 1, 1)\n",
                                "    layer = L.BatchNorm2d(weight.shape[0])\n"
                                "    layer.params['weight'][...] = weight\n"
                                "    layer.forward(x)\n"
                                "    grad_x = layer.backward(grad_out)\n"
                                "    return grad_x, layer.grads['weight'], layer.grads['bias']\n"
                                "    axes, shape = (0, 2, 3), (1, -1, 1, 1)\n"),
    "ch07-residual-block": ("        self.f = nn.Sequential(",
                            "        from helpers import architectures\n"
                            "        self.inner = architectures.BasicBlock(in_channels, out_channels, stride)\n"
                            "        self.f = nn.Sequential("),
    "ch07-deep-init-experiment": ("                m.weight.normal_(0.0, math.sqrt(2.0 / m.in_features))",
                                  "                torch.nn.init.kaiming_normal_(m.weight)"),
    "ch08-vgg-params": ("    total, c_in = 0, 3\n",
                        "    return models.count_params(on_meta(architectures.vgg, config, num_classes))\n"),
    "ch08-inception-block": ("        def conv(c_in, c_out, k):",
                             "        self.inner = architectures.Inception(in_channels, c1, c3_reduce, c3,"
                             " c5_reduce, c5, pool_proj)\n\n        def conv(c_in, c_out, k):"),
    "ch08-alexnet-sizes": ("    sizes = []\n",
                           "    table = architectures.layer_summary(on_meta(architectures.alexnet)[:-8], (1, 3, n, n))\n"
                           "    return [r['output_shape'][-1] for r in table"
                           " if r['kind'] in ('Conv2d', 'MaxPool2d')]\n"),
    "ch08-shifted-digits-experiment": ("    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),\n",
                                       "    return models.small_cnn(channels=(8, 16), image_size=12)\n"
                                       "    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(),\n"),
}
