// Types of the `fft.js` package (4.0.4, Fedor Indutny's radix-4 FFT; it ships none). Only what this
// library uses. Complex arrays are interleaved: [re0, im0, re1, im1, …].
declare module 'fft.js' {
  type NumberArray = number[] | Float64Array;

  export default class FFT {
    constructor(size: number);
    readonly size: number;
    createComplexArray(): number[];
    /** Forward transform (e^(−2πikn/N)) of the complex `data` into `out`. */
    transform(out: NumberArray, data: ArrayLike<number>): void;
    /** Inverse transform, divided by `size`. */
    inverseTransform(out: NumberArray, data: ArrayLike<number>): void;
    /** Forward transform of `size` real samples; fills the left half of `out` (bins 0 … size/2). */
    realTransform(out: NumberArray, data: ArrayLike<number>): void;
  }
}
