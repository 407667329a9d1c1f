/** Why `elma build image` cannot make the image: one line naming what is missing or wrong, and where. */
import { ElmaError } from '../../common/elma-error.ts';

export class ImageError extends ElmaError {}
