// Package data reads the datasets of cgru: UCI HAR in its original layout
// (folder or zip, as downloaded), a simple CSV format for people's own
// recordings, and the embedded default subset; it also makes the folds, the
// class-balanced batches, the noise and the optional normalisation of the
// training protocol (DESIGN.md §4, §6).
//
// It is pure Go (no cgo, no syscall/js) and builds for js/wasm: every reader
// works on an io.Reader, an fs.FS or bytes ([LoadBytes]), so the browser can
// load what a user drops on the page; only [Load] touches the file system.
//
// # Windows
//
// A [Dataset] holds N windows of T time steps of C channels, flat as
// [window][time][channel] in X, with a 0-based label and a subject per
// window. A [Split] pairs the training and test windows. Readers return a
// complete, checked result ([Split.Check]) or an error, never both.
//
// # UCI HAR
//
// [ReadHAR], [ReadZip] and [Load] read the original layout: the folder
// "UCI HAR Dataset" (or its parent), or the zip (the layout in a folder
// inside it, __MACOSX entries ignored, and the UCI download's zip inside the
// zip). Each split is read independently from y_<split>.txt (labels 1..6),
// subject_<split>.txt and the nine files of "Inertial Signals", whose rows
// must agree in number; the class names come from activity_labels.txt. The
// channel order is fixed ([HARChannels]):
//
//	body_acc_x body_acc_y body_acc_z body_gyro_x body_gyro_y body_gyro_z total_acc_x total_acc_y total_acc_z
//
// Window IDs are "<split>/<line>" (line of the split's files, from 1). Reading
// streams each file once into the final array: full UCI HAR (about 10 000
// windows, 190 MB of text) takes well under a second and about 50 MB.
//
// # CSV
//
// One row per time step; a header row names the columns:
//
//	window,split,subject,label,<channel 1>,<channel 2>,…
//	w1,train,1,walk,0.12,-0.5,9.81
//	w1,train,1,walk,0.15,-0.4,9.79
//	…
//
// window is any non-empty id; the rows of a window are consecutive and in
// time order, and ids are unique in the file. split is train or test. subject
// is an integer. label is a class name; classes are numbered in order of
// first appearance. Every window has the same number of rows (T); any number
// of channel columns (at least one) may follow, named by the header. Values
// are decimal numbers (float32, finite). Fields may be quoted and padded
// with spaces, lines end in LF or CRLF, and lines starting with # are
// comments. [WriteCSV] writes the format.
//
// # Errors and limits
//
// Every input error is a [*ParseError] naming the file, line and field:
//
//	train/Inertial Signals/body_acc_x_train.txt:17: field 54: "abc" is not a number
//
// with a sentinel reason for errors.Is: a truncated last line
// ([ErrTruncated]), a wrong number of values ([ErrValueCount]), text that is
// not a number ([ErrNotNumber], [ErrNotInteger]), NaN or Inf ([ErrNotFinite]),
// a value beyond float32 ([ErrRange]), a label outside the label table
// ([ErrLabel]), files of one split with different row counts
// ([ErrLineCount]), a missing file ([ErrMissingFile]), an empty file
// ([ErrEmptyFile]), a file or zip entry over [MaxFileBytes] or a load over
// [MaxTotalBytes] ([ErrTooLarge]; counted on the uncompressed bytes as they
// are read, so zip bombs are refused), a damaged zip (a checksum mismatch, a
// truncated or corrupt archive: [ErrFormat], saying the zip is damaged),
// anything else ([ErrFormat]). In a zip, errors name the archive and the
// entry's path in it ("UCI HAR Dataset.zip: UCI HAR
// Dataset/train/y_train.txt:12: ..."). Blank
// lines, CRLF and extra spaces or tabs are accepted.
//
// # The embedded default
//
// [Embedded] returns a real, class-balanced subset of UCI HAR compiled into
// the program, so the CLI and the web page work without a download: 72 train
// windows per class from the 21 train subjects and 36 test windows per class
// from the 9 test subjects (432 + 216 windows), chosen by [BalancedSubset]
// spread evenly over the subjects. 72 per class is 12 class-balanced
// batches of 36 per epoch with no padding and a 1-NN reference set large
// enough to be meaningful, small enough to train in a browser; 36 per class
// keeps 216 test windows. The file takes 2.36 MB: the float32 values are
// stored losslessly (bit-exact) in the binary format of [EncodeSplit]
// (XOR with the previous time step, byte planes, zlib); they decode in
// about 30 ms. data/internal/mkembedded regenerates it deterministically.
//
// # Protocol
//
// [Folds] makes the 7-fold leave-3-users-out validation over the training
// subjects; [NewSampler] draws class-balanced batches (6 per class = 36)
// whose epochs cover the training set; [AddNoise] adds Gaussian white noise
// of a given σ (drawn from [NoiseRNG] in the noise experiment);
// [FitNormalizer] computes per-channel statistics from training data, for
// the optional normalisation (off by default). [SplitTrainVal] picks a
// training run's windows (refusing, with a message that says what to do,
// data or a fold that leaves nothing to train or validate on: a CSV of one
// subject has no fold but 0), [RefIndices] the references of a 1-NN
// evaluation and [DescribeRefs] their description, [SamplePairs] the pairs
// of the noise experiment: the command
// line and the page take them from here, so that the same settings draw the
// same windows in both. Everything random takes a seed (PCG from
// math/rand/v2) and is deterministic for it.
package data
