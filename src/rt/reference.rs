//! Glue between ndarray views and the reference interpreter of `halite_core`.

use crate::Error;
use half::{bf16, f16};
use halite_core::interp::{self, Buffer, InterpError};
use halite_core::{Pipeline, Type, Value};
use ndarray::{ArrayBase, Data, DataMut, Dimension};

/// Element types of kernel buffers and scalars.
pub trait Element: Copy {
    const TYPE: Type;
    fn to_value(self) -> Value;
    fn from_value(v: Value) -> Self;
}

macro_rules! element {
    ($($t:ty => $ty:ident),*) => {$(
        impl Element for $t {
            const TYPE: Type = Type::$ty;
            fn to_value(self) -> Value {
                Value::$ty(self)
            }
            fn from_value(v: Value) -> Self {
                match v {
                    Value::$ty(x) => x,
                    _ => unreachable!("the interpreter checks output types"),
                }
            }
        }
    )*};
}
element!(bool => Bool, u8 => U8, u16 => U16, u32 => U32, u64 => U64, i8 => I8, i16 => I16,
    i32 => I32, i64 => I64, f16 => F16, bf16 => BF16, f32 => F32, f64 => F64);

/// A `usize` parameter as the interpreter's `i32`.
pub fn usize_value(kernel: &'static str, param: &'static str, v: usize) -> Result<Value, Error> {
    super::scalar_usize(kernel, param, v).map(Value::I32)
}

/// Copies an input view into an interpreter buffer (logical row-major order).
pub fn input_buffer<T: Element, D: Dimension>(
    kernel: &'static str,
    name: &'static str,
    view: &ArrayBase<impl Data<Elem = T>, D>,
) -> Result<Buffer, Error> {
    check_extents(kernel, name, view.shape())?;
    // A broadcast view may hold far more elements than memory: an error, not an abort.
    let mut data = Vec::new();
    data.try_reserve_exact(view.len())
        .map_err(|_| Error::AllocationFailed {
            kernel,
            func: name,
            elements: view.len() as u128,
        })?;
    data.extend(view.iter().map(|x| x.to_value()));
    Ok(Buffer {
        ty: T::TYPE,
        shape: view.shape().to_vec(),
        data,
    })
}

fn check_extents(kernel: &'static str, name: &'static str, shape: &[usize]) -> Result<(), Error> {
    for (axis, &n) in shape.iter().enumerate() {
        if i32::try_from(n).is_err() {
            return Err(Error::ExtentTooLarge {
                kernel,
                buffer: name,
                axis,
                extent: n,
            });
        }
    }
    Ok(())
}

/// An output view the interpreter can fill.
pub trait OutputBuffer {
    fn empty_buffer(&self) -> Buffer;
    fn write_back(&mut self, b: &Buffer);
}

impl<T: Element, S: DataMut<Elem = T>, D: Dimension> OutputBuffer for ArrayBase<S, D> {
    fn empty_buffer(&self) -> Buffer {
        Buffer::zeros(T::TYPE, self.shape())
    }
    fn write_back(&mut self, b: &Buffer) {
        for (dst, v) in self.iter_mut().zip(&b.data) {
            *dst = T::from_value(*v);
        }
    }
}

/// Runs the embedded pipeline on the interpreter.
pub fn run(
    kernel: &'static str,
    pipeline: &Result<Pipeline, String>,
    params: &[Value],
    inputs: Vec<Buffer>,
    outputs: &mut [&mut dyn OutputBuffer],
) -> Result<(), Error> {
    let pipeline = pipeline.as_ref().map_err(|e| Error::Internal(e.clone()))?;
    let mut bufs: Vec<Buffer> = outputs.iter().map(|o| o.empty_buffer()).collect();
    for b in &bufs {
        check_extents(kernel, "output", &b.shape)?;
    }
    interp::run(pipeline, params, &inputs, &mut bufs).map_err(|e| match e {
        InterpError::OutOfBounds {
            buffer,
            point,
            shape,
        } => Error::ReferenceOutOfBounds {
            kernel,
            buffer,
            point,
            shape,
        },
        InterpError::WriteOutOfBounds {
            buffer,
            point,
            shape,
        } => Error::ReferenceWriteOutOfBounds {
            kernel,
            buffer,
            point,
            shape,
        },
        other => Error::Internal(other.to_string()),
    })?;
    for (o, b) in outputs.iter_mut().zip(&bufs) {
        o.write_back(b);
    }
    Ok(())
}
