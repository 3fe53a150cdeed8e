package data

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// The binary format of EncodeSplit (the embedded subset uses it):
//
//	offset 0   magic "CGRUDATA"
//	offset 8   version, uint32 little-endian (binVersion)
//	offset 12  a zlib stream (RFC 1950, with its Adler-32 check) of:
//	           uint32 little-endian length of the metadata, the metadata
//	           (JSON: binMeta), then the values of the train split and of
//	           the test split, 4·N·T·C bytes each, and nothing more.
//
// The values of a split are coded losslessly for compression: taken channel
// by channel, window by window, time step by time step ([c][n][t]), each
// float32's bits XOR the bits of the previous time step of the same window
// and channel (0 before the first), then split into byte planes (all low
// bytes, then all second bytes, …). Decoding inverts it exactly.
const binVersion = 1

var binMagic = [8]byte{'C', 'G', 'R', 'U', 'D', 'A', 'T', 'A'}

type binMeta struct {
	Channels   []string     `json:"channels"`
	T          int          `json:"t"`
	ClassNames []string     `json:"class_names"`
	Train      binSplitMeta `json:"train"`
	Test       binSplitMeta `json:"test"`
	Note       string       `json:"note,omitempty"`
}

type binSplitMeta struct {
	Name     string   `json:"name"`
	Labels   []int    `json:"labels"`
	Subjects []int    `json:"subjects"`
	IDs      []string `json:"ids"`
}

// EncodeSplit returns s in the package's compact binary format (see the
// package documentation): lossless, deterministic (the same split gives the
// same bytes), read back by LoadBytes, Load and DecodeSplit. note is stored
// as free text (e.g. the provenance). It returns an error if s fails
// Split.Check.
func EncodeSplit(s *Split, note string) ([]byte, error) {
	if err := s.Check(); err != nil {
		return nil, err
	}
	meta := binMeta{
		Channels: s.Train.Channels, T: s.Train.T, ClassNames: s.Train.ClassNames, Note: note,
		Train: binSplitMeta{s.Train.Name, s.Train.Labels, s.Train.Subjects, s.Train.IDs},
		Test:  binSplitMeta{s.Test.Name, s.Test.Labels, s.Test.Subjects, s.Test.IDs},
	}
	mj, err := json.Marshal(meta)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Write(binMagic[:])
	out.Write(binary.LittleEndian.AppendUint32(nil, binVersion))
	zw, err := zlib.NewWriterLevel(&out, zlib.BestCompression)
	if err != nil {
		return nil, err
	}
	zw.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(mj))))
	zw.Write(mj)
	for _, d := range []*Dataset{s.Train, s.Test} {
		zw.Write(encodeValues(d.X, d.Len(), d.T, len(d.Channels)))
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// encodeValues codes x ([n][t][c]) as described at binVersion.
func encodeValues(x []float32, n, t, c int) []byte {
	m := len(x)
	b := make([]byte, 4*m)
	k := 0
	for ch := range c {
		for w := range n {
			prev := uint32(0)
			for i := w * t * c; i < (w+1)*t*c; i += c {
				u := math.Float32bits(x[i+ch])
				v := u ^ prev
				prev = u
				b[k], b[m+k], b[2*m+k], b[3*m+k] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
				k++
			}
		}
	}
	return b
}

// decodeValues inverts encodeValues into x.
func decodeValues(x []float32, b []byte, n, t, c int) {
	m := len(x)
	k := 0
	for ch := range c {
		for w := range n {
			prev := uint32(0)
			for i := w * t * c; i < (w+1)*t*c; i += c {
				v := uint32(b[k]) | uint32(b[m+k])<<8 | uint32(b[2*m+k])<<16 | uint32(b[3*m+k])<<24
				prev ^= v
				x[i+ch] = math.Float32frombits(prev)
				k++
			}
		}
	}
}

// DecodeSplit reads the binary format of EncodeSplit; name is used in
// errors. Errors are *ParseError (ErrFormat for a damaged file, ErrTooLarge
// past MaxFileBytes); nothing is returned with an error.
func DecodeSplit(b []byte, name string) (*Split, error) { return decodeSplit(b, name) }

func decodeSplit(b []byte, name string) (*Split, error) {
	bad := func(format string, a ...any) (*Split, error) {
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: %s", ErrFormat, fmt.Sprintf(format, a...))}
	}
	if len(b) < 12 || !bytes.Equal(b[:8], binMagic[:]) {
		return bad("not a cgru data file")
	}
	if v := binary.LittleEndian.Uint32(b[8:]); v != binVersion {
		return bad("version %d, this reader knows %d", v, binVersion)
	}
	zr, err := zlib.NewReader(bytes.NewReader(b[12:]))
	if err != nil {
		return bad("%v", err)
	}
	r := &limitReader{r: zr, name: name, b: newBudget()}
	readFull := func(p []byte) error {
		if _, err := io.ReadFull(r, p); err != nil {
			var pe *ParseError
			if errors.As(err, &pe) {
				return pe
			}
			return &ParseError{File: name, Err: fmt.Errorf("%w: %v", ErrFormat, err)}
		}
		return nil
	}
	var hdr [4]byte
	if err := readFull(hdr[:]); err != nil {
		return nil, err
	}
	ml := int64(binary.LittleEndian.Uint32(hdr[:]))
	if ml > maxFileBytes {
		return bad("metadata of %d bytes", ml)
	}
	mj := make([]byte, ml)
	if err := readFull(mj); err != nil {
		return nil, err
	}
	var meta binMeta
	if err := json.Unmarshal(mj, &meta); err != nil {
		return bad("metadata: %v", err)
	}
	nc, t := len(meta.Channels), meta.T
	if nc < 1 || t < 1 || int64(t)*int64(nc) > maxFileBytes {
		return bad("windows of %d × %d values", t, nc)
	}
	var out [2]*Dataset
	for k, sm := range []binSplitMeta{meta.Train, meta.Test} {
		n := len(sm.Labels)
		if len(sm.Subjects) != n || len(sm.IDs) != n {
			return bad("%s: %d labels, %d subjects, %d ids", sm.Name, n, len(sm.Subjects), len(sm.IDs))
		}
		size := int64(n) * int64(t) * int64(nc) * 4
		if size > maxFileBytes {
			return nil, &ParseError{File: name, Err: fmt.Errorf("%w of %s per file", ErrTooLarge, mib(maxFileBytes))}
		}
		raw := make([]byte, size)
		if err := readFull(raw); err != nil {
			return nil, err
		}
		d := &Dataset{
			Name: sm.Name, Channels: meta.Channels, T: t, X: make([]float32, n*t*nc),
			Labels: orEmpty(sm.Labels), Subjects: orEmpty(sm.Subjects), ClassNames: meta.ClassNames, IDs: orEmptyS(sm.IDs),
		}
		decodeValues(d.X, raw, n, t, nc)
		for i, v := range d.X {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return bad("%s: value %d of window %d is %v", sm.Name, i%(t*nc), i/(t*nc), v)
			}
		}
		if err := d.Check(); err != nil {
			return bad("%v", err)
		}
		out[k] = d
	}
	var one [1]byte
	if k, err := io.ReadFull(r, one[:]); k != 0 || err != io.EOF {
		if err == nil || err == io.ErrUnexpectedEOF {
			return bad("data after the test split")
		}
		return bad("%v", err)
	}
	out[1].Channels = append([]string(nil), meta.Channels...)
	out[1].ClassNames = append([]string(nil), meta.ClassNames...)
	s := &Split{Train: out[0], Test: out[1]}
	if err := s.Check(); err != nil {
		return bad("%v", err)
	}
	return s, nil
}
